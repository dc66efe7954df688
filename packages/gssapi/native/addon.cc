// Module entry: the Acceptor class plus two process-wide helpers.
#include <krb5.h>
#include <napi.h>

#include "acceptor.h"

namespace {

// The default realm from krb5.conf (KRB5_CONFIG), or null when none is configured.
Napi::Value DefaultRealm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  krb5_context context = nullptr;
  if (krb5_init_context(&context) != 0) return env.Null();
  char* realm = nullptr;
  Napi::Value result = env.Null();
  if (krb5_get_default_realm(context, &realm) == 0) {
    result = Napi::String::New(env, realm);
    krb5_free_default_realm(context, realm);
  }
  krb5_free_context(context);
  return result;
}

Napi::Value LiveHandles(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Acceptor::live_handles.load()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Acceptor", Acceptor::Define(env));
  exports.Set("defaultRealm", Napi::Function::New<DefaultRealm>(env, "defaultRealm"));
  exports.Set("liveHandles", Napi::Function::New<LiveHandles>(env, "liveHandles"));
  return exports;
}

}  // namespace

NODE_API_MODULE(poplar_gssapi, Init)
