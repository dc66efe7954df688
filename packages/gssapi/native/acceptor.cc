#include "acceptor.h"

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "accept-worker.h"
#include "gss-status.h"

std::atomic<long> Acceptor::live_handles{0};

namespace {

gss_buffer_desc BufferOf(const void* data, size_t length) {
  gss_buffer_desc buffer;
  buffer.length = length;
  buffer.value = const_cast<void*>(data);
  return buffer;
}

// Dotted form of a DER-encoded OID body, e.g. "1.2.840.113554.1.2.2".
std::string DottedOid(gss_OID oid) {
  if (oid == GSS_C_NO_OID || oid->length == 0) return "";
  const uint8_t* bytes = static_cast<const uint8_t*>(oid->elements);
  std::string out;
  uint64_t arc = 0;
  for (OM_uint32 i = 0; i < oid->length; ++i) {
    arc = (arc << 7) | (bytes[i] & 0x7f);
    if ((bytes[i] & 0x80) != 0) continue;
    if (out.empty()) {
      // The first subidentifier packs the first two arcs: 40 * x + y, with x at most 2.
      uint64_t first = arc < 80 ? arc / 40 : 2;
      out = std::to_string(first) + "." + std::to_string(arc - 40 * first);
    } else {
      out += "." + std::to_string(arc);
    }
    arc = 0;
  }
  return out;
}

// The argument at `index` as a Uint8Array (a Buffer is one), or a thrown TypeError.
bool BytesArgument(const Napi::CallbackInfo& info, size_t index, const char* name, Napi::Uint8Array& out) {
  if (info.Length() > index && info[index].IsTypedArray() &&
      info[index].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    out = info[index].As<Napi::Uint8Array>();
    return true;
  }
  Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint8Array").ThrowAsJavaScriptException();
  return false;
}

bool OptionalString(const Napi::Object& options, const char* key, std::string& out) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return true;
  if (!value.IsString()) return false;
  out = value.As<Napi::String>().Utf8Value();
  return true;
}

}  // namespace

Napi::Function Acceptor::Define(Napi::Env env) {
  return DefineClass(env, "Acceptor",
                     {
                         InstanceMethod<&Acceptor::Step>("step"),
                         InstanceMethod<&Acceptor::GssWrap>("wrap"),
                         InstanceMethod<&Acceptor::GssUnwrap>("unwrap"),
                         InstanceMethod<&Acceptor::InitiatorName>("initiatorName"),
                         InstanceMethod<&Acceptor::TargetName>("targetName"),
                         InstanceMethod<&Acceptor::LocalName>("localName"),
                         InstanceMethod<&Acceptor::Mechanism>("mechanism"),
                         InstanceMethod<&Acceptor::IsKrb5>("isKrb5"),
                         InstanceMethod<&Acceptor::Flags>("flags"),
                         InstanceMethod<&Acceptor::Complete>("isComplete"),
                         InstanceMethod<&Acceptor::Dispose>("dispose"),
                     });
}

Acceptor::Acceptor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Acceptor>(info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject()) {
      Napi::TypeError::New(env, "options must be an object").ThrowAsJavaScriptException();
      return;
    }
    Napi::Object options = info[0].As<Napi::Object>();
    if (!OptionalString(options, "keytab", keytab_) || !OptionalString(options, "principal", principal_)) {
      Napi::TypeError::New(env, "keytab and principal must be strings").ThrowAsJavaScriptException();
      return;
    }
  }
}

Acceptor::~Acceptor() {
  // A running worker holds a reference to the JavaScript object, so this only happens while idle; at process
  // teardown, leaving the handles to the OS beats freeing them under a running thread.
  if (!busy_) Release();
}

void Acceptor::Release() {
  OM_uint32 minor = 0;
  if (ctx_ != GSS_C_NO_CONTEXT) {
    gss_delete_sec_context(&minor, &ctx_, GSS_C_NO_BUFFER);
    --live_handles;
  }
  if (src_name_ != GSS_C_NO_NAME) {
    gss_release_name(&minor, &src_name_);
    --live_handles;
  }
  if (cred_ != GSS_C_NO_CREDENTIAL) {
    gss_release_cred(&minor, &cred_);
    --live_handles;
  }
  ctx_ = GSS_C_NO_CONTEXT;
  src_name_ = GSS_C_NO_NAME;
  cred_ = GSS_C_NO_CREDENTIAL;
  mech_ = GSS_C_NO_OID;
  complete_ = false;
}

bool Acceptor::Usable(Napi::Env env, bool need_complete) {
  const char* problem = nullptr;
  if (disposed_) {
    problem = "the acceptor has been disposed";
  } else if (busy_) {
    problem = "a step is still running on this acceptor";
  } else if (need_complete && !complete_) {
    problem = "the security context is not established yet";
  }
  if (problem == nullptr) return true;
  Napi::Error::New(env, problem).ThrowAsJavaScriptException();
  return false;
}

bool Acceptor::AcquireCredentials(AcceptOutcome& outcome) {
  OM_uint32 minor = 0;
  gss_name_t name = GSS_C_NO_NAME;
  if (!principal_.empty()) {
    gss_buffer_desc text = BufferOf(principal_.data(), principal_.size());
    OM_uint32 major = gss_import_name(&minor, &text, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
    if (GSS_ERROR(major)) {
      outcome.Fail("gss_import_name", major, minor);
      return false;
    }
  }
  // The keytab goes in the credential store of this acceptor only, not in the process environment (KRB5_KTNAME).
  gss_key_value_element_desc element = {"keytab", keytab_.c_str()};
  gss_key_value_set_desc store = {keytab_.empty() ? 0u : 1u, &element};
  gss_OID_set_desc mechs = {1, gss_mech_krb5};
  OM_uint32 major =
      gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &store, &cred_, nullptr, nullptr);
  OM_uint32 ignored = 0;
  if (name != GSS_C_NO_NAME) gss_release_name(&ignored, &name);
  if (GSS_ERROR(major)) {
    cred_ = GSS_C_NO_CREDENTIAL;
    outcome.Fail("gss_acquire_cred_from", major, minor);
    return false;
  }
  ++live_handles;
  return true;
}

void Acceptor::Accept(const std::vector<uint8_t>& input, AcceptOutcome& outcome) {
  if (cred_ == GSS_C_NO_CREDENTIAL && !AcquireCredentials(outcome)) return;
  OM_uint32 minor = 0;
  gss_buffer_desc in = BufferOf(input.data(), input.size());
  gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
  gss_name_t src = GSS_C_NO_NAME;
  gss_OID mech = GSS_C_NO_OID;
  OM_uint32 flags = 0;
  bool had_context = ctx_ != GSS_C_NO_CONTEXT;
  OM_uint32 major = gss_accept_sec_context(&minor, &ctx_, cred_, &in, GSS_C_NO_CHANNEL_BINDINGS, &src, &mech, &out,
                                           &flags, nullptr, nullptr);
  if (!had_context && ctx_ != GSS_C_NO_CONTEXT) ++live_handles;
  if (had_context && ctx_ == GSS_C_NO_CONTEXT) --live_handles;
  OM_uint32 ignored = 0;
  if (src != GSS_C_NO_NAME) {
    if (src_name_ != GSS_C_NO_NAME) {
      gss_release_name(&ignored, &src_name_);
      --live_handles;
    }
    src_name_ = src;
    ++live_handles;
  }
  if (out.length > 0) {
    const uint8_t* bytes = static_cast<const uint8_t*>(out.value);
    outcome.token.assign(bytes, bytes + out.length);
  }
  gss_release_buffer(&ignored, &out);
  if (GSS_ERROR(major)) {
    // An error token (KRB-ERROR) is of no use to a SASL client: the failure is reported by the protocol.
    outcome.Fail("gss_accept_sec_context", major, minor);
    return;
  }
  mech_ = mech;
  flags_ = flags;
  complete_ = (major & GSS_S_CONTINUE_NEEDED) == 0;
  outcome.complete = complete_;
}

Napi::Value Acceptor::Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, false)) return env.Undefined();
  if (complete_) {
    Napi::Error::New(env, "the security context is already established").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array token;
  if (!BytesArgument(info, 0, "token", token)) return env.Undefined();
  std::vector<uint8_t> input(token.Data(), token.Data() + token.ByteLength());
  busy_ = true;
  AcceptWorker* worker = new AcceptWorker(env, this, info.This().As<Napi::Object>(), std::move(input));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Acceptor::GssWrap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  Napi::Uint8Array data;
  if (!BytesArgument(info, 0, "data", data)) return env.Undefined();
  int conf = info.Length() > 1 && info[1].ToBoolean().Value() ? 1 : 0;
  OM_uint32 minor = 0;
  int conf_state = 0;
  gss_buffer_desc in = BufferOf(data.Data(), data.ByteLength());
  gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_wrap(&minor, ctx_, conf, GSS_C_QOP_DEFAULT, &in, &conf_state, &out);
  if (GSS_ERROR(major)) {
    GssStatusError(env, "gss_wrap", major, minor).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> result = Napi::Buffer<uint8_t>::Copy(env, static_cast<uint8_t*>(out.value), out.length);
  gss_release_buffer(&minor, &out);
  return result;
}

Napi::Value Acceptor::GssUnwrap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  Napi::Uint8Array token;
  if (!BytesArgument(info, 0, "token", token)) return env.Undefined();
  OM_uint32 minor = 0;
  int conf_state = 0;
  gss_qop_t qop = 0;
  gss_buffer_desc in = BufferOf(token.Data(), token.ByteLength());
  gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_unwrap(&minor, ctx_, &in, &out, &conf_state, &qop);
  if (GSS_ERROR(major)) {
    GssStatusError(env, "gss_unwrap", major, minor).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("data", Napi::Buffer<uint8_t>::Copy(env, static_cast<uint8_t*>(out.value), out.length));
  result.Set("conf", Napi::Boolean::New(env, conf_state != 0));
  gss_release_buffer(&minor, &out);
  return result;
}

namespace {

Napi::Value DisplayName(Napi::Env env, gss_name_t name) {
  OM_uint32 minor = 0;
  gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_display_name(&minor, name, &text, nullptr);
  if (GSS_ERROR(major)) {
    GssStatusError(env, "gss_display_name", major, minor).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::String result = Napi::String::New(env, static_cast<const char*>(text.value), text.length);
  gss_release_buffer(&minor, &text);
  return result;
}

}  // namespace

Napi::Value Acceptor::InitiatorName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  return DisplayName(env, src_name_);
}

Napi::Value Acceptor::TargetName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  OM_uint32 minor = 0;
  gss_name_t target = GSS_C_NO_NAME;
  OM_uint32 major = gss_inquire_context(&minor, ctx_, nullptr, &target, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    GssStatusError(env, "gss_inquire_context", major, minor).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Value result = DisplayName(env, target);
  gss_release_name(&minor, &target);
  return result;
}

Napi::Value Acceptor::LocalName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  OM_uint32 minor = 0;
  gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
  // No auth_to_local rule matched (or the rules reject the name): there is no local name.
  if (GSS_ERROR(gss_localname(&minor, src_name_, gss_mech_krb5, &text))) return env.Null();
  Napi::String result = Napi::String::New(env, static_cast<const char*>(text.value), text.length);
  gss_release_buffer(&minor, &text);
  return result;
}

Napi::Value Acceptor::Mechanism(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  return Napi::String::New(env, DottedOid(mech_));
}

Napi::Value Acceptor::IsKrb5(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  return Napi::Boolean::New(env, gss_oid_equal(mech_, gss_mech_krb5) != 0);
}

Napi::Value Acceptor::Flags(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Usable(env, true)) return env.Undefined();
  return Napi::Number::New(env, flags_);
}

Napi::Value Acceptor::Complete(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), complete_ && !disposed_);
}

Napi::Value Acceptor::Dispose(const Napi::CallbackInfo& info) {
  if (!disposed_) {
    disposed_ = true;
    // While a step runs, the worker releases everything when it comes back.
    if (!busy_) Release();
  }
  return info.Env().Undefined();
}
