// sendFile(socketFd, head, fileFd, offset, length): head, then a file range, to a non-blocking stream socket with
// send(2) and sendfile(2), without blocking and without copying the file through user space. See README.md.

// A 64-bit off_t on 32-bit systems too, so offsets past 2 GiB reach sendfile64.
#define _FILE_OFFSET_BITS 64
#define NAPI_VERSION 8

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/types.h>

#define MAX_SAFE_INTEGER 9007199254740991.0

// Node-API calls fail only on misuse or a pending exception; either way give up and let JavaScript see it.
#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) return NULL;                               \
  } while (0)

static const char* errno_name(int error) {
  switch (error) {
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case ECONNABORTED: return "ECONNABORTED";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EFAULT: return "EFAULT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EISCONN: return "EISCONN";
    case EMSGSIZE: return "EMSGSIZE";
    case ENETDOWN: return "ENETDOWN";
    case ENETRESET: return "ENETRESET";
    case ENETUNREACH: return "ENETUNREACH";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case ENOTCONN: return "ENOTCONN";
    case ENOTSOCK: return "ENOTSOCK";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EOVERFLOW: return "EOVERFLOW";
    case EPERM: return "EPERM";
    case EPIPE: return "EPIPE";
    case ESPIPE: return "ESPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: return "UNKNOWN";
  }
}

// An Error shaped like Node's own socket errors: message "<syscall> <code>[: <detail>]", code, errno (positive, as
// in os.constants.errno) and syscall.
static napi_value throw_errno(napi_env env, const char* syscall, int error, const char* detail) {
  const char* name = errno_name(error);
  char text[160];
  snprintf(text, sizeof text, "%s %s%s%s", syscall, name, detail ? ": " : "", detail ? detail : "");
  napi_value message, code, number, call, exception;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message));
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code));
  CHECK(napi_create_int32(env, error, &number));
  CHECK(napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call));
  CHECK(napi_create_error(env, code, message, &exception));
  CHECK(napi_set_named_property(env, exception, "errno", number));
  CHECK(napi_set_named_property(env, exception, "syscall", call));
  napi_throw(env, exception);
  return NULL;
}

// A JavaScript number that is an integer in [0, max]; throws TypeError or RangeError (with Node's codes) otherwise.
static bool get_integer(napi_env env, napi_value value, const char* name, double max, double* out) {
  char text[160];
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type != napi_number) {
    snprintf(text, sizeof text, "%s must be a number", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
    return false;
  }
  if (napi_get_value_double(env, value, out) != napi_ok) return false;
  // Written so that NaN fails too.
  if (!(*out >= 0 && *out <= max && *out == (double)(int64_t)*out)) {
    snprintf(text, sizeof text, "%s must be an integer from 0 to %.0f", name, max);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", text);
    return false;
  }
  return true;
}

static size_t element_size(napi_typedarray_type type) {
  switch (type) {
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array: return 8;
    default: return 1;
  }
}

// Sends what the kernel still holds back because the last send carried MSG_MORE (ours on the head, or the one
// sendfile(2) adds itself while more of the count is to come): without it those bytes wait for the caller's next
// write or a kernel timer (measured: a head followed by a failed sendfile arrived after 210 ms instead of 5 ms).
// Turning TCP_CORK off pushes them and leaves Nagle's setting alone; Node never turns TCP_CORK on. Fails harmlessly
// (EOPNOTSUPP) on Unix-domain sockets, which hold nothing back.
static void push_pending(int socket_fd) {
  int off = 0;
  setsockopt(socket_fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}

static napi_value SendFile(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "sendFile(socketFd, head, fileFd, offset, length)");
    return NULL;
  }

  double socket_fd, file_fd, offset_arg, length_arg;
  if (!get_integer(env, argv[0], "socketFd", INT32_MAX, &socket_fd)) return NULL;

  bool is_typed_array;
  CHECK(napi_is_typedarray(env, argv[1], &is_typed_array));
  if (!is_typed_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "head must be a Uint8Array (an empty one for none)");
    return NULL;
  }
  napi_typedarray_type head_type;
  size_t head_elements;
  void* head_data;
  CHECK(napi_get_typedarray_info(env, argv[1], &head_type, &head_elements, &head_data, NULL, NULL));
  const size_t head_length = head_elements * element_size(head_type);

  if (!get_integer(env, argv[2], "fileFd", INT32_MAX, &file_fd)) return NULL;
  if (!get_integer(env, argv[3], "offset", MAX_SAFE_INTEGER, &offset_arg)) return NULL;
  if (!get_integer(env, argv[4], "length", MAX_SAFE_INTEGER, &length_arg)) return NULL;

  const int sock = (int)socket_fd;
  const int file = (int)file_fd;
  off_t offset = (off_t)offset_arg;
  uint64_t remaining = (uint64_t)length_arg;
  uint64_t written = 0;

  // sendfile(2) writes to any file since Linux 2.6.33, and blocks on a blocking descriptor: refuse both before
  // anything is written, rather than appending to a file or stalling the event loop. Node's sockets are always
  // non-blocking stream sockets.
  int type;
  socklen_t type_size = sizeof type;
  if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &type_size) != 0) {
    return throw_errno(env, "getsockopt", errno, NULL);
  }
  if (type != SOCK_STREAM) return throw_errno(env, "sendfile", EINVAL, "socketFd is not a stream socket");
  const int status = fcntl(sock, F_GETFL);
  if (status == -1) return throw_errno(env, "fcntl", errno, NULL);
  if (!(status & O_NONBLOCK)) return throw_errno(env, "sendfile", EINVAL, "socketFd is in blocking mode");

  const char* failed_call = "send";
  int error = 0;

  // MSG_NOSIGNAL although Node ignores SIGPIPE process-wide: an embedder may not (Node's kNoDefaultSignalHandling),
  // and the flag costs nothing. sendfile(2) has no such flag and relies on that process-wide ignore. MSG_MORE puts
  // the head into the same TCP segments as the file's first bytes.
  const int flags = MSG_NOSIGNAL | MSG_DONTWAIT | (remaining > 0 ? MSG_MORE : 0);
  size_t head_sent = 0;
  while (head_sent < head_length) {
    const ssize_t n = send(sock, (const char*)head_data + head_sent, head_length - head_sent, flags);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    head_sent += (size_t)n;
  }
  written = head_sent;

  if (error == 0) {
    failed_call = "sendfile";
    while (remaining > 0) {
      // The kernel sends at most about 2 GiB per call; the loop does the rest.
      const size_t count = remaining > (uint64_t)SSIZE_MAX ? (size_t)SSIZE_MAX : (size_t)remaining;
      // An explicit offset: the file's own position does not move, so the descriptor can be shared.
      const ssize_t n = sendfile(sock, file, &offset, count);
      if (n < 0) {
        if (errno == EINTR) continue;
        error = errno;
        break;
      }
      if (n == 0) break;  // the file ends before offset + length
      written += (uint64_t)n;
      remaining -= (uint64_t)n;
    }
  }

  // A full send buffer (EAGAIN) is not an error: the caller carries on with ordinary writes. Data in flight then
  // gets acknowledged, and those acknowledgements send anything held back.
  const bool full = error == EAGAIN || error == EWOULDBLOCK;
  if (error != 0 && !full && written == 0) return throw_errno(env, failed_call, error, NULL);
  // Short for another reason (the file ended, an error): the last bytes written may carry MSG_MORE.
  if (!full && written > 0 && remaining > 0) push_pending(sock);
  // Any other error after some bytes went out: report the count; the caller's next write reports the error.
  napi_value result;
  CHECK(napi_create_double(env, (double)written, &result));
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value function;
  CHECK(napi_create_function(env, "sendFile", NAPI_AUTO_LENGTH, SendFile, NULL, &function));
  CHECK(napi_set_named_property(env, exports, "sendFile", function));
  return exports;
}
