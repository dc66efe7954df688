/*
 * pop3-load: poplar-bench's native load core. One thread, epoll, many POP3 sessions, every reply validated exactly
 * as the Node client does it (src/protocol): status lines, listings that agree with STAT, CRLF line ends,
 * dot-stuffing, the terminator, un-stuffed octets == the LIST size, and a checksum of the body: the CRC-32C in the
 * message's X-Bench-CRC32C header when it has one (with the SSE 4.2 instruction, several GB/s), otherwise the SHA-256
 * in its X-Bench-Checksum header. It only reports events; the Node side judges the measured window and aggregates.
 *
 * Usage: pop3-load --host H --port P [--auth user|plain] [--fetch retr|top] [--scenario retr-all|big]
 *                  [--concurrency N] [--end-at EPOCH_MS] [--once] [--require-checksum] [--max-errors N]
 *                  [--repeat N] [--timeout-ms N] [--measure-from EPOCH_MS]
 * stdin:  one account per line, "name<TAB>password".
 * stdout: one event per line, times `at` in epoch milliseconds, latencies in microseconds:
 *   L <command> <micros> <at>                 a reply (CONNECT, USER, PASS, AUTH, STAT, LIST, UIDL, QUIT, SESSION)
 *   F <command> <micros> <at> <octets> <0|1>  a fetched, validated message; 1 when its checksum was verified
 *   S <at>                                    a session that ended with QUIT +OK
 *   W <bytes>                                 bytes received since the last W
 *   E <kind> <detail>                         a failure (kinds as in bench-error.ts)
 *   D <json>                                  big: what the scenario reports (user, msn, size, retrievals)
 *   C <micros>                                its own CPU time (user + system), when the measured window starts
 *                                             (--measure-from) and when it ends or the run does
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

enum {
  MAX_STATUS_LINE = 512, /* RFC 2449's longest status line, CRLF included */
  MAX_HEADER = 32 * 1024, /* headers longer than this are not searched for a checksum */
  READ_BUFFER = 256 * 1024,
  MAX_ENTRIES = 1000000,
  MAX_UID = 70,
  RETRY_DELAY_MS = 50, /* after a connection failure, so a dead server is not hammered */
};
#define TOP_ALL_LINES "99999999"
static const char CHECKSUM_HEADER[] = "X-Bench-Checksum:";
static const char CRC32C_HEADER[] = "X-Bench-CRC32C:";

typedef struct {
  char *name;
  char *password;
} account_t;

static struct {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  int plain_auth, top, big, once, require_checksum;
  int concurrency, max_errors, repeat;
  int64_t measure_from_ms, end_at_ms, timeout_ms;
  account_t *accounts;
  int account_count;
} config = {.concurrency = 1, .max_errors = 100, .repeat = 20, .timeout_ms = 30000};

/* ---- clocks and output ---- */

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t mono_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static uint64_t received_bytes;
static int error_total;

static void emit(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vprintf(format, args);
  va_end(args);
  if (ferror(stdout)) exit(2); /* the bench has gone */
}

/* The CPU marks given so far: 0, 1 at the window's start, 2 at its end. */
static int cpu_marks;

static void mark_cpu(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  long long micros = (long long)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 + usage.ru_utime.tv_usec +
                     usage.ru_stime.tv_usec;
  emit("C %lld\n", micros);
  cpu_marks++;
}

static void flush_events(void) {
  if (received_bytes > 0) {
    emit("W %llu\n", (unsigned long long)received_bytes);
    received_bytes = 0;
  }
  if (fflush(stdout) != 0) exit(2);
}

/* ---- user pool: the same rules as UserPool ---- */

static int pool_next, pool_once_next;
static unsigned char *pool_busy;

static int pool_take(void) {
  int count = config.account_count;
  for (int tried = 0; tried < count; tried++) {
    int index = (pool_next + tried) % count;
    if (!pool_busy[index]) {
      pool_next = (index + 1) % count;
      pool_busy[index] = 1;
      return index;
    }
  }
  int index = pool_next;
  pool_next = (index + 1) % count;
  return index;
}

/* ---- sessions ---- */

enum step { GREETING, USER, PASS, AUTH, STAT, LIST, UIDL, FETCH, QUIT };
static const char *const STEP_NAME[] = {"CONNECT", "USER", "PASS", "AUTH", "STAT", "LIST", "UIDL", "FETCH", "QUIT"};
enum dot_state { LINE_START, IN_LINE, DOT_SEEN, DOT_CR };
enum checksum_phase { HEADERS, HASHING, SKIPPING };

typedef struct {
  int fd;
  int account;       /* -1 when no session runs in this slot */
  int done;          /* the slot starts no more sessions */
  int connecting;
  int64_t resume_at; /* epoch ms: start the next session then */
  enum step step;
  int64_t sent_us, session_started_us, last_io_ms;
  char out[MAX_STATUS_LINE * 2];
  size_t out_len, out_sent;
  /* the status or listing line being collected */
  char line[MAX_STATUS_LINE];
  size_t line_len;
  int status_seen, status_ok;
  /* STAT, LIST and UIDL */
  uint64_t stat_count, stat_size;
  uint64_t *sizes;
  size_t size_count, size_cap;
  char (*uids)[MAX_UID + 1];
  size_t uid_count, uid_cap;
  /* the message being fetched */
  size_t fetch_index, fetched;
  int fetch_repeats;
  uint64_t expected, octets;
  enum dot_state dot;
  int prev_cr;
  enum checksum_phase phase;
  char *header;
  size_t header_len;
  char expected_hex[80];
  int use_crc;
  uint32_t crc;
  EVP_MD_CTX *md;
  int checksum_ok;
  /* big: each retrieval's time and rate */
  char *retrievals;
  size_t retrievals_len, retrievals_cap;
  /* a failure of the reply being read */
  const char *error_kind;
  char error_detail[200];
} session_t;

static session_t *sessions;
static int epoll_fd;
static unsigned char read_buffer[READ_BUFFER];

static int fail(session_t *s, const char *kind, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(s->error_detail, sizeof s->error_detail, format, args);
  va_end(args);
  s->error_kind = kind;
  return -2;
}

static int stopped(void) { return now_ms() >= config.end_at_ms || error_total >= config.max_errors; }

static void release(session_t *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  if (s->account >= 0 && !config.once) pool_busy[s->account] = 0;
  s->account = -1;
}

static void record_failure(session_t *s, const char *kind, const char *detail) {
  error_total++;
  char clean[200];
  size_t n = 0;
  for (; detail[n] != '\0' && n < sizeof clean - 1; n++) {
    unsigned char c = (unsigned char)detail[n];
    clean[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
  }
  clean[n] = '\0';
  emit("E %s %s\n", kind, clean);
  release(s);
  if (config.big) s->done = 1;
  if (strcmp(kind, "connect") == 0 || strcmp(kind, "closed") == 0) s->resume_at = now_ms() + RETRY_DELAY_MS;
}

static int send_command(session_t *s, enum step step, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(s->out, sizeof s->out - 2, format, args);
  va_end(args);
  if (n < 0 || (size_t)n >= sizeof s->out - 2) return fail(s, "connect", "command too long");
  memcpy(s->out + n, "\r\n", 2);
  s->out_len = (size_t)n + 2;
  s->out_sent = 0;
  s->step = step;
  s->line_len = 0;
  s->status_seen = 0;
  s->sent_us = mono_us();
  ssize_t written = write(s->fd, s->out, s->out_len);
  if (written < 0 && errno != EAGAIN) return fail(s, "closed", "write: %s", strerror(errno));
  if (written > 0) s->out_sent = (size_t)written;
  if (s->out_sent < s->out_len) {
    struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = s};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s->fd, &event);
  }
  return 0;
}

static int start_session(session_t *s) {
  int index;
  if (config.big) {
    index = 0;
  } else if (config.once) {
    if (pool_once_next >= config.account_count) {
      s->done = 1;
      return 0;
    }
    index = pool_once_next++;
  } else {
    index = pool_take();
  }
  s->account = index;
  s->session_started_us = mono_us();
  s->fd = socket(config.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) return fail(s, "connect", "socket: %s", strerror(errno));
  int one = 1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  s->connecting = 1;
  s->step = GREETING;
  s->line_len = 0;
  s->status_seen = 0;
  s->out_len = s->out_sent = 0;
  s->size_count = s->uid_count = 0;
  s->fetched = 0;
  s->fetch_repeats = 0;
  s->sent_us = mono_us();
  s->last_io_ms = now_ms();
  if (connect(s->fd, (struct sockaddr *)&config.addr, config.addr_len) < 0 && errno != EINPROGRESS) {
    return fail(s, "connect", "connect: %s", strerror(errno));
  }
  struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = s};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s->fd, &event);
  return 0;
}

/* Reads the digits at *p (at least one) into *value and moves *p past them; 0 when there are none. */
static int parse_number(const char **p, uint64_t *value) {
  const char *start = *p;
  uint64_t n = 0;
  while (**p >= '0' && **p <= '9') n = n * 10 + (uint64_t)(*(*p)++ - '0');
  *value = n;
  return *p > start;
}

/* ---- line collection and status lines (LineCollector, parseStatusLine) ---- */

/* Returns the offset after the line's LF, -1 when more bytes are needed, -2 on a failure. */
static long take_line(session_t *s, const unsigned char *p, size_t len, size_t at) {
  const unsigned char *lf = memchr(p + at, '\n', len - at);
  size_t end = lf == NULL ? len : (size_t)(lf - p) + 1;
  if (s->line_len + (end - at) > MAX_STATUS_LINE) {
    return fail(s, "line-too-long", "line longer than %d octets", MAX_STATUS_LINE);
  }
  memcpy(s->line + s->line_len, p + at, end - at);
  s->line_len += end - at;
  if (lf == NULL) return -1;
  if (s->line_len < 2 || s->line[s->line_len - 2] != '\r') {
    return fail(s, "bare-lf", "line not ended by CRLF");
  }
  s->line_len -= 2;
  s->line[s->line_len] = '\0';
  return (long)end;
}

static void reset_line(session_t *s) { s->line_len = 0; }

/* Parses the collected line as a status line; returns the text after "+OK " or "-ERR ", or NULL on a failure. */
static const char *status_text(session_t *s) {
  const char *line = s->line;
  if (strncmp(line, "+OK", 3) == 0 && (line[3] == '\0' || line[3] == ' ')) {
    s->status_ok = 1;
    return line[3] == '\0' ? line + 3 : line + 4;
  }
  if (strncmp(line, "-ERR", 4) == 0 && (line[4] == '\0' || line[4] == ' ')) {
    s->status_ok = 0;
    return line[4] == '\0' ? line + 4 : line + 5;
  }
  fail(s, "bad-status-line", "not a status line: %.80s", line);
  return NULL;
}

/* ---- CRC-32C (Castagnoli, reflected 0x82F63B78), as crc32c.ts computes it for the corpus ---- */

static uint32_t crc_table[256];
static int crc_hardware;

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    crc_table[n] = c;
  }
#if defined(__x86_64__)
  crc_hardware = __builtin_cpu_supports("sse4.2");
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_update_hardware(uint32_t crc, const unsigned char *p, size_t n) {
  uint64_t c = crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  crc = (uint32_t)c;
  for (; n > 0; n--) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}
#endif

/* Continues a CRC register (start at 0xFFFFFFFF, invert at the end). */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n) {
#if defined(__x86_64__)
  if (crc_hardware) return crc_update_hardware(crc, p, n);
#endif
  for (; n > 0; n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

/* ---- the checksum (ChecksumChecker, and the CRC-32C beside it) ---- */

static void checksum_reset(session_t *s) {
  s->phase = HEADERS;
  s->header_len = 0;
  s->expected_hex[0] = '\0';
  s->use_crc = 0;
}

/* The trimmed, lower-cased value of header `name` (with its colon) in the header section, or 0 when absent. */
static int header_value(const char *header, size_t length, const char *name, char *value, size_t size) {
  size_t name_length = strlen(name);
  const char *found = NULL;
  for (const char *at = header; at < header + length; at++) {
    at = memmem(at, (size_t)(header + length - at), name, name_length);
    if (at == NULL) break;
    if (at == header || (at - header >= 2 && at[-2] == '\r' && at[-1] == '\n')) {
      found = at + name_length;
      break;
    }
  }
  if (found == NULL) return 0;
  const char *end = memmem(found, (size_t)(header + length - found), "\r\n", 2);
  if (end == NULL) end = header + length;
  while (found < end && isspace((unsigned char)*found)) found++;
  while (end > found && isspace((unsigned char)end[-1])) end--;
  size_t n = (size_t)(end - found);
  if (n >= size) n = size - 1;
  for (size_t i = 0; i < n; i++) value[i] = (char)tolower((unsigned char)found[i]);
  value[n] = '\0';
  return n > 0;
}

/* Picks the checksum to verify: the CRC-32C when the message carries one, else the SHA-256. */
static void read_expected(session_t *s, size_t body_start) {
  s->use_crc = header_value(s->header, body_start, CRC32C_HEADER, s->expected_hex, sizeof s->expected_hex);
  if (!s->use_crc) header_value(s->header, body_start, CHECKSUM_HEADER, s->expected_hex, sizeof s->expected_hex);
}

static void checksum_write(session_t *s, const unsigned char *p, size_t n) {
  if (s->phase == HASHING) {
    if (s->use_crc) s->crc = crc_update(s->crc, p, n);
    else EVP_DigestUpdate(s->md, p, n);
    return;
  }
  if (s->phase != HEADERS) return;
  if (s->header == NULL) s->header = malloc(MAX_HEADER);
  size_t before = s->header_len;
  size_t copied = n < MAX_HEADER - before ? n : MAX_HEADER - before;
  memcpy(s->header + before, p, copied);
  s->header_len += copied;
  size_t from = before > 3 ? before - 3 : 0;
  const char *blank = memmem(s->header + from, s->header_len - from, "\r\n\r\n", 4);
  int no_headers = s->header_len >= 2 && s->header[0] == '\r' && s->header[1] == '\n';
  long body_start = no_headers ? 2 : blank == NULL ? -1 : (long)(blank - s->header) + 4;
  if (body_start < 0) {
    if (s->header_len == MAX_HEADER) s->phase = SKIPPING;
    return;
  }
  read_expected(s, (size_t)body_start);
  if (s->expected_hex[0] == '\0') {
    s->phase = SKIPPING;
    return;
  }
  s->phase = HASHING;
  if (s->use_crc) s->crc = 0xffffffffu;
  else EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
  checksum_write(s, (const unsigned char *)s->header + body_start, s->header_len - (size_t)body_start);
  if (copied < n) checksum_write(s, p + copied, n - copied);
}

/* Ends the message: 1 when the checksum matched, 0 when it carried none, -2 on a mismatch. */
static int checksum_finish(session_t *s) {
  if (s->phase != HASHING) return 0;
  char actual[65];
  if (s->use_crc) {
    snprintf(actual, sizeof actual, "%08x", s->crc ^ 0xffffffffu);
  } else {
    unsigned char digest[32];
    unsigned int length = 0;
    EVP_DigestFinal_ex(s->md, digest, &length);
    for (int i = 0; i < 32; i++) snprintf(actual + 2 * i, 3, "%02x", digest[i]);
  }
  if (strcmp(actual, s->expected_hex) != 0) {
    return fail(s, "checksum-mismatch", "body checksum %s differs from header %s", actual, s->expected_hex);
  }
  return 1;
}

/* ---- the message body (DotDecoder) ---- */

static int content(session_t *s, const unsigned char *p, size_t start, size_t end) {
  if (end <= start) return 0;
  s->octets += end - start;
  if (s->octets > s->expected) {
    return fail(s, "size-mismatch", "reply longer than the %llu octets announced", (unsigned long long)s->expected);
  }
  checksum_write(s, p + start, end - start);
  return 0;
}

/* Returns the offset after the terminator, -1 when more bytes are needed, -2 on a failure. */
static long decode_body(session_t *s, const unsigned char *p, size_t len, size_t at) {
  enum dot_state state = s->dot;
  size_t run = at;
  const unsigned char *lf = NULL;
  while (at < len) {
    if (state == LINE_START) {
      if (p[at] == '.') {
        if (content(s, p, run, at) < 0) return -2;
        state = DOT_SEEN;
        run = ++at;
        continue;
      }
    } else if (state == DOT_SEEN) {
      unsigned char byte = p[at];
      if (byte == '\r') {
        state = DOT_CR;
        run = ++at;
        continue;
      }
      if (byte == '\n') return fail(s, "bad-terminator", "terminator \".\" ended by a bare LF");
      if (byte != '.') return fail(s, "bad-dot-stuffing", "line starts with a single \".\" that was not stuffed");
      /* "..": the first dot was the stuffing, the second is content and starts the run. */
    } else if (state == DOT_CR) {
      if (p[at] != '\n') return fail(s, "bad-terminator", "terminator \".\" CR not followed by LF");
      s->dot = LINE_START;
      return (long)at + 1;
    }
    state = IN_LINE;
    lf = memchr(p + at, '\n', len - at);
    if (lf == NULL) break;
    size_t index = (size_t)(lf - p);
    if (index > 0 ? p[index - 1] != '\r' : !s->prev_cr) return fail(s, "bare-lf", "line ended by a bare LF");
    for (;;) {
      at = index + 1;
      if (at >= len || p[at] == '.') break;
      lf = memchr(p + at, '\n', len - at);
      if (lf == NULL) break;
      index = (size_t)(lf - p);
      if (p[index - 1] != '\r') return fail(s, "bare-lf", "line ended by a bare LF");
    }
    if (lf == NULL) break;
    state = LINE_START;
  }
  s->dot = state;
  if (content(s, p, run, len) < 0) return -2;
  s->prev_cr = p[len - 1] == '\r';
  return -1;
}

/* ---- replies ---- */

static int fetch_next(session_t *s) {
  s->expected = s->sizes[s->fetch_index];
  s->octets = 0;
  s->dot = LINE_START;
  s->prev_cr = 0;
  checksum_reset(s);
  if (config.top) return send_command(s, FETCH, "TOP %zu " TOP_ALL_LINES, s->fetch_index + 1);
  return send_command(s, FETCH, "RETR %zu", s->fetch_index + 1);
}

/* What comes after UIDL (and after each message): the next message, or QUIT. */
static int after_listing_or_message(session_t *s) {
  if (config.big) {
    if (s->fetch_repeats < config.repeat && now_ms() < config.end_at_ms) return fetch_next(s);
  } else if (s->fetched < s->size_count && now_ms() < config.end_at_ms) {
    s->fetch_index = s->fetched;
    return fetch_next(s);
  }
  return send_command(s, QUIT, "QUIT");
}

static int check_mailbox(session_t *s) {
  if (s->size_count != s->stat_count) {
    return fail(s, "count-mismatch", "LIST has %zu messages, STAT said %llu", s->size_count,
                (unsigned long long)s->stat_count);
  }
  uint64_t total = 0;
  for (size_t i = 0; i < s->size_count; i++) total += s->sizes[i];
  if (total != s->stat_size) {
    return fail(s, "count-mismatch", "LIST sizes add up to %llu, STAT said %llu", (unsigned long long)total,
                (unsigned long long)s->stat_size);
  }
  if (s->uid_count != s->stat_count) {
    return fail(s, "count-mismatch", "UIDL has %zu messages, STAT said %llu", s->uid_count,
                (unsigned long long)s->stat_count);
  }
  char(*sorted)[MAX_UID + 1] = malloc((s->uid_count + 1) * sizeof *sorted);
  memcpy(sorted, s->uids, s->uid_count * sizeof *sorted);
  qsort(sorted, s->uid_count, sizeof *sorted, (int (*)(const void *, const void *))strcmp);
  for (size_t i = 1; i < s->uid_count; i++) {
    if (strcmp(sorted[i], sorted[i - 1]) == 0) {
      int result = fail(s, "bad-listing", "unique-id %s appears twice", sorted[i]);
      free(sorted);
      return result;
    }
  }
  free(sorted);
  if (config.big) {
    if (s->size_count == 0) return fail(s, "bad-listing", "%s has no messages", config.accounts[s->account].name);
    s->fetch_index = 0;
    for (size_t i = 1; i < s->size_count; i++)
      if (s->sizes[i] > s->sizes[s->fetch_index]) s->fetch_index = i;
  }
  return after_listing_or_message(s);
}

/* One "msn value" listing line (ListingReader, checkMailbox). */
static int listing_line(session_t *s) {
  const char *line = s->line;
  int uidl = s->step == UIDL;
  size_t count = uidl ? s->uid_count : s->size_count;
  if (count >= MAX_ENTRIES) return fail(s, "bad-listing", "listing has too many lines");
  const char *p = line;
  if (*p < '1' || *p > '9') return fail(s, "bad-listing", "bad listing line: %.80s", line);
  uint64_t msn = 0;
  while (*p >= '0' && *p <= '9') msn = msn * 10 + (uint64_t)(*p++ - '0');
  if (*p != ' ') return fail(s, "bad-listing", "bad listing line: %.80s", line);
  while (*p == ' ') p++;
  const char *value = p;
  while (*p >= 0x21 && *p <= 0x7e) p++;
  if (p == value || *p != '\0') return fail(s, "bad-listing", "bad listing line: %.80s", line);
  if (msn != count + 1) {
    return fail(s, "bad-listing", "%s line %zu has msn %llu", uidl ? "UIDL" : "LIST", count + 1,
                (unsigned long long)msn);
  }
  if (uidl) {
    if (strlen(value) > MAX_UID) return fail(s, "bad-listing", "unique-id longer than 70: %.80s", value);
    if (s->uid_count == s->uid_cap) {
      s->uid_cap = s->uid_cap == 0 ? 256 : s->uid_cap * 2;
      s->uids = realloc(s->uids, s->uid_cap * sizeof *s->uids);
    }
    strcpy(s->uids[s->uid_count++], value);
    return 0;
  }
  uint64_t size = 0;
  for (const char *d = value; *d != '\0'; d++) {
    if (*d < '0' || *d > '9') return fail(s, "bad-listing", "LIST size %.40s is not a number", value);
    size = size * 10 + (uint64_t)(*d - '0');
  }
  if (s->size_count == s->size_cap) {
    s->size_cap = s->size_cap == 0 ? 256 : s->size_cap * 2;
    s->sizes = realloc(s->sizes, s->size_cap * sizeof *s->sizes);
  }
  s->sizes[s->size_count++] = size;
  return 0;
}

static void append_retrieval(session_t *s, double ms) {
  char entry[96];
  int n = snprintf(entry, sizeof entry, "%s{\"ms\":%.3f,\"MBps\":%.0f}", s->retrievals_len > 0 ? "," : "", ms,
                   (double)s->expected / 1e3 / (ms > 0 ? ms : 0.001));
  if (s->retrievals_len + (size_t)n + 1 > s->retrievals_cap) {
    s->retrievals_cap = (s->retrievals_cap + (size_t)n + 1) * 2;
    s->retrievals = realloc(s->retrievals, s->retrievals_cap);
  }
  memcpy(s->retrievals + s->retrievals_len, entry, (size_t)n + 1);
  s->retrievals_len += (size_t)n;
}

/* A reply has ended: record its latency and send what comes next. */
static int reply_done(session_t *s, const char *text) {
  int64_t micros = mono_us() - s->sent_us;
  int64_t at = now_ms();
  const char *name = s->step == FETCH ? (config.top ? "TOP" : "RETR") : STEP_NAME[s->step];
  if (s->step == FETCH) {
    if (!s->status_ok) return fail(s, "err-reply", "%s %zu: -ERR %s", name, s->fetch_index + 1, text);
    if (s->octets != s->expected) {
      return fail(s, "size-mismatch", "received %llu octets, LIST said %llu", (unsigned long long)s->octets,
                  (unsigned long long)s->expected);
    }
    int verdict = checksum_finish(s);
    if (verdict < 0) return -2;
    if (verdict == 0 && config.require_checksum) return fail(s, "missing-checksum", "message has no checksum header");
    emit("F %s %lld %lld %llu %d\n", name, (long long)micros, (long long)at, (unsigned long long)s->octets, verdict);
    s->fetched++;
    if (config.big) {
      s->fetch_repeats++;
      append_retrieval(s, (double)micros / 1000);
    }
    return after_listing_or_message(s);
  }
  emit("L %s %lld %lld\n", name, (long long)micros, (long long)at);
  if (!s->status_ok) {
    if (s->step == GREETING) return fail(s, "greeting", "greeting is -ERR: %s", text);
    return fail(s, "err-reply", "%s: -ERR %s", name, text);
  }
  account_t *account = &config.accounts[s->account];
  switch (s->step) {
    case GREETING:
      if (config.plain_auth) {
        size_t user = strlen(account->name), password = strlen(account->password);
        unsigned char raw[MAX_STATUS_LINE];
        char encoded[MAX_STATUS_LINE * 2];
        if (user + password + 2 > sizeof raw / 2) return fail(s, "connect", "user name or password too long");
        raw[0] = '\0';
        memcpy(raw + 1, account->name, user);
        raw[1 + user] = '\0';
        memcpy(raw + 2 + user, account->password, password);
        EVP_EncodeBlock((unsigned char *)encoded, raw, (int)(user + password + 2));
        return send_command(s, AUTH, "AUTH PLAIN %s", encoded);
      }
      return send_command(s, USER, "USER %s", account->name);
    case USER:
      return send_command(s, PASS, "PASS %s", account->password);
    case PASS:
    case AUTH:
      return send_command(s, STAT, "STAT");
    case STAT: {
      const char *cursor = text;
      uint64_t count, size;
      if (!parse_number(&cursor, &count) || *cursor++ != ' ' || !parse_number(&cursor, &size)) {
        return fail(s, "bad-listing", "bad STAT reply: %.80s", text);
      }
      s->stat_count = count;
      s->stat_size = size;
      return send_command(s, LIST, "LIST");
    }
    case LIST:
      return send_command(s, UIDL, "UIDL");
    case UIDL:
      return check_mailbox(s);
    case QUIT:
      release(s);
      if (config.big) {
        emit("S %lld\n", (long long)at);
        emit("D {\"user\":\"%s\",\"msn\":%zu,\"size\":%llu,\"retrievals\":[%s]}\n", account->name, s->fetch_index + 1,
             (unsigned long long)s->expected, s->retrievals_len > 0 ? s->retrievals : "");
        s->done = 1;
      } else {
        emit("L SESSION %lld %lld\n", (long long)(mono_us() - s->session_started_us), (long long)at);
        emit("S %lld\n", (long long)at);
      }
      return 0;
    case FETCH:
      break;
  }
  return 0;
}

/* Feeds received bytes to the reply in flight; returns 0, or -2 on a failure. */
static int feed(session_t *s, const unsigned char *p, size_t len) {
  size_t at = 0;
  while (at < len) {
    long next;
    const char *text = "";
    if (s->step == FETCH && s->status_seen && s->status_ok) {
      next = decode_body(s, p, len, at);
      if (next == -2) return -2;
      if (next < 0) return 0;
      at = (size_t)next;
    } else if ((s->step == LIST || s->step == UIDL) && s->status_seen && s->status_ok) {
      next = take_line(s, p, len, at);
      if (next == -2) return -2;
      if (next < 0) return 0;
      at = (size_t)next;
      if (strcmp(s->line, ".") != 0) {
        if (listing_line(s) < 0) return -2;
        reset_line(s);
        continue;
      }
    } else {
      next = take_line(s, p, len, at);
      if (next == -2) return -2;
      if (next < 0) return 0;
      at = (size_t)next;
      text = status_text(s);
      if (text == NULL) return -2;
      s->status_seen = 1;
      reset_line(s);
      if (s->status_ok && (s->step == LIST || s->step == UIDL)) continue;
      if (s->status_ok && s->step == FETCH) {
        const char *cursor = text;
        uint64_t announced;
        if (parse_number(&cursor, &announced) && *cursor == ' ' && strncasecmp(cursor + 1, "octets", 6) == 0 &&
            announced != s->expected) {
          return fail(s, "size-mismatch", "+OK announced %llu octets, LIST said %llu", (unsigned long long)announced,
                      (unsigned long long)s->expected);
        }
        continue;
      }
    }
    /* The next command goes out only now, so bytes after the reply answer nothing. */
    if (at < len) return fail(s, "unexpected-data", "bytes received with no command in flight");
    return reply_done(s, text);
  }
  return 0;
}

static void on_event(session_t *s, uint32_t events) {
  if (s->connecting) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      record_failure(s, "connect", strerror(error));
      return;
    }
    s->connecting = 0;
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = s};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s->fd, &event);
  }
  if ((events & EPOLLOUT) && s->out_sent < s->out_len) {
    ssize_t written = write(s->fd, s->out + s->out_sent, s->out_len - s->out_sent);
    if (written < 0 && errno != EAGAIN) {
      record_failure(s, "closed", strerror(errno));
      return;
    }
    if (written > 0) s->out_sent += (size_t)written;
    if (s->out_sent == s->out_len) {
      struct epoll_event event = {.events = EPOLLIN, .data.ptr = s};
      epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s->fd, &event);
    }
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  for (int reads = 0; reads < 4 && s->fd >= 0; reads++) {
    ssize_t n = read(s->fd, read_buffer, sizeof read_buffer);
    if (n < 0) {
      if (errno == EAGAIN) return;
      record_failure(s, "closed", strerror(errno));
      return;
    }
    if (n == 0) {
      record_failure(s, "closed", "connection closed by the server");
      return;
    }
    received_bytes += (uint64_t)n;
    s->last_io_ms = now_ms();
    if (feed(s, read_buffer, (size_t)n) < 0) {
      record_failure(s, s->error_kind, s->error_detail);
      return;
    }
    if ((size_t)n < sizeof read_buffer) return;
  }
}

/* ---- set-up ---- */

static void usage(const char *why) {
  fprintf(stderr, "pop3-load: %s\n", why);
  exit(64);
}

static void read_accounts(void) {
  size_t cap = 0;
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t n;
  while ((n = getline(&line, &line_cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[--n] = '\0';
    if (n == 0) continue;
    char *tab = strchr(line, '\t');
    if (tab == NULL) usage("an account line has no TAB between name and password");
    *tab = '\0';
    if ((size_t)config.account_count == cap) {
      cap = cap == 0 ? 64 : cap * 2;
      config.accounts = realloc(config.accounts, cap * sizeof *config.accounts);
    }
    config.accounts[config.account_count].name = strdup(line);
    config.accounts[config.account_count].password = strdup(tab + 1);
    config.account_count++;
  }
  free(line);
  if (config.account_count == 0) usage("no accounts on stdin");
}

static void parse_arguments(int argc, char **argv) {
  const char *host = "127.0.0.1", *port = NULL;
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(flag, "--once") == 0) config.once = 1;
    else if (strcmp(flag, "--require-checksum") == 0) config.require_checksum = 1;
    else if (value == NULL) usage("a flag is missing its value");
    else {
      i++;
      if (strcmp(flag, "--host") == 0) host = value;
      else if (strcmp(flag, "--port") == 0) port = value;
      else if (strcmp(flag, "--auth") == 0) config.plain_auth = strcmp(value, "plain") == 0;
      else if (strcmp(flag, "--fetch") == 0) config.top = strcmp(value, "top") == 0;
      else if (strcmp(flag, "--scenario") == 0) config.big = strcmp(value, "big") == 0;
      else if (strcmp(flag, "--concurrency") == 0) config.concurrency = atoi(value);
      else if (strcmp(flag, "--end-at") == 0) config.end_at_ms = atoll(value);
      else if (strcmp(flag, "--measure-from") == 0) config.measure_from_ms = atoll(value);
      else if (strcmp(flag, "--max-errors") == 0) config.max_errors = atoi(value);
      else if (strcmp(flag, "--repeat") == 0) config.repeat = atoi(value);
      else if (strcmp(flag, "--timeout-ms") == 0) config.timeout_ms = atoll(value);
      else usage("unknown flag");
    }
  }
  if (port == NULL) usage("--port is required");
  if (config.concurrency < 1) usage("--concurrency must be at least 1");
  if (config.big) config.concurrency = 1;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *found;
  int error = getaddrinfo(host, port, &hints, &found);
  if (error != 0) {
    fprintf(stderr, "pop3-load: %s: %s\n", host, gai_strerror(error));
    exit(65);
  }
  memcpy(&config.addr, found->ai_addr, found->ai_addrlen);
  config.addr_len = found->ai_addrlen;
  freeaddrinfo(found);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  crc_init();
  parse_arguments(argc, argv);
  read_accounts();
  static char out_buffer[1 << 16];
  setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
  pool_busy = calloc((size_t)config.account_count, 1);
  sessions = calloc((size_t)config.concurrency, sizeof *sessions);
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < config.concurrency; i++) {
    sessions[i].fd = -1;
    sessions[i].account = -1;
    sessions[i].md = EVP_MD_CTX_new();
  }
  struct epoll_event events[256];
  int64_t flushed_at = now_ms();
  for (;;) {
    int64_t now = now_ms();
    if (cpu_marks == 0 && now >= config.measure_from_ms) mark_cpu();
    if (cpu_marks == 1 && now >= config.end_at_ms) mark_cpu();
    int running = 0;
    for (int i = 0; i < config.concurrency; i++) {
      session_t *s = &sessions[i];
      if (s->fd >= 0) {
        running++;
        if (now - s->last_io_ms > config.timeout_ms) {
          fail(s, "timeout", "no reply to %s in time", STEP_NAME[s->step]);
          record_failure(s, s->error_kind, s->error_detail);
        }
        continue;
      }
      if (s->done) continue;
      if (stopped()) {
        s->done = 1;
        continue;
      }
      if (now < s->resume_at) {
        running++;
        continue;
      }
      if (start_session(s) < 0) {
        record_failure(s, s->error_kind, s->error_detail);
        running++;
      } else if (!s->done) {
        running++;
      }
    }
    if (running == 0) break;
    int ready = epoll_wait(epoll_fd, events, 256, 10);
    for (int i = 0; i < ready; i++) {
      session_t *s = events[i].data.ptr;
      if (s->fd >= 0) on_event(s, events[i].events);
    }
    if (now_ms() - flushed_at >= 50) {
      flush_events();
      flushed_at = now_ms();
    }
  }
  while (cpu_marks < 2) mark_cpu();
  flush_events();
  return 0;
}
