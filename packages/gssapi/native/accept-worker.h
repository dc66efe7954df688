// Runs gss_accept_sec_context off the main thread: it reads the keytab and writes the replay cache.
#ifndef POPLAR_ACCEPT_WORKER_H
#define POPLAR_ACCEPT_WORKER_H

#include <napi.h>

#include "acceptor.h"

class AcceptWorker : public Napi::AsyncWorker {
 public:
  AcceptWorker(Napi::Env env, Acceptor* acceptor, Napi::Object self, std::vector<uint8_t> input);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;

 private:
  Acceptor* acceptor_;
  // Keeps the JavaScript object, and so the acceptor, alive while the worker runs.
  Napi::ObjectReference self_;
  std::vector<uint8_t> input_;
  AcceptOutcome outcome_;
  Napi::Promise::Deferred deferred_;
};

#endif
