// One GSS-API acceptor context (the server side of one authentication), exposed to JavaScript as a class.
#ifndef POPLAR_ACCEPTOR_H
#define POPLAR_ACCEPTOR_H

#include <gssapi/gssapi.h>
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

// The result of one gss_accept_sec_context call, filled on the worker thread.
struct AcceptOutcome {
  bool failed = false;
  const char* operation = "";
  OM_uint32 major = 0;
  OM_uint32 minor = 0;
  bool complete = false;
  std::vector<uint8_t> token;

  void Fail(const char* op, OM_uint32 major_status, OM_uint32 minor_status) {
    failed = true;
    operation = op;
    major = major_status;
    minor = minor_status;
    token.clear();
  }
};

class Acceptor : public Napi::ObjectWrap<Acceptor> {
 public:
  static Napi::Function Define(Napi::Env env);
  // GSS handles (credentials, contexts, names) currently held by all acceptors: a leak shows up here.
  static std::atomic<long> live_handles;

  explicit Acceptor(const Napi::CallbackInfo& info);
  ~Acceptor() override;

  // Runs on a libuv worker thread; the JavaScript side cannot touch this acceptor meanwhile (busy_).
  void Accept(const std::vector<uint8_t>& input, AcceptOutcome& outcome);
  // Back on the main thread after Accept.
  void StepDone() { busy_ = false; }
  bool disposed() const { return disposed_; }
  void Release();

 private:
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value GssWrap(const Napi::CallbackInfo& info);
  Napi::Value GssUnwrap(const Napi::CallbackInfo& info);
  Napi::Value InitiatorName(const Napi::CallbackInfo& info);
  Napi::Value TargetName(const Napi::CallbackInfo& info);
  Napi::Value LocalName(const Napi::CallbackInfo& info);
  Napi::Value Mechanism(const Napi::CallbackInfo& info);
  Napi::Value IsKrb5(const Napi::CallbackInfo& info);
  Napi::Value Flags(const Napi::CallbackInfo& info);
  Napi::Value Complete(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Throws a JavaScript error and returns false when the acceptor cannot be used now.
  bool Usable(Napi::Env env, bool need_complete);
  bool AcquireCredentials(AcceptOutcome& outcome);

  std::string keytab_;
  std::string principal_;
  gss_cred_id_t cred_ = GSS_C_NO_CREDENTIAL;
  gss_ctx_id_t ctx_ = GSS_C_NO_CONTEXT;
  gss_name_t src_name_ = GSS_C_NO_NAME;
  gss_OID mech_ = GSS_C_NO_OID;  // static storage owned by the library
  OM_uint32 flags_ = 0;
  bool complete_ = false;
  bool busy_ = false;
  bool disposed_ = false;
};

#endif
