#include "accept-worker.h"

#include "gss-status.h"

AcceptWorker::AcceptWorker(Napi::Env env, Acceptor* acceptor, Napi::Object self, std::vector<uint8_t> input)
    : Napi::AsyncWorker(env, "poplar.gssapi.accept"),
      acceptor_(acceptor),
      self_(Napi::Persistent(self)),
      input_(std::move(input)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

void AcceptWorker::Execute() { acceptor_->Accept(input_, outcome_); }

void AcceptWorker::OnOK() {
  Napi::Env env = Env();
  acceptor_->StepDone();
  if (acceptor_->disposed()) {
    // dispose() arrived while the worker ran: the release was left to us.
    acceptor_->Release();
    deferred_.Reject(Napi::Error::New(env, "the acceptor was disposed during the step").Value());
  } else if (outcome_.failed) {
    deferred_.Reject(GssStatusError(env, outcome_.operation, outcome_.major, outcome_.minor).Value());
  } else {
    Napi::Object result = Napi::Object::New(env);
    result.Set("complete", Napi::Boolean::New(env, outcome_.complete));
    result.Set("token", Napi::Buffer<uint8_t>::Copy(env, outcome_.token.data(), outcome_.token.size()));
    deferred_.Resolve(result);
  }
  self_.Reset();
}
