#include "gss-status.h"

#include <gssapi/gssapi_krb5.h>

namespace {

void AppendMessages(std::string& out, OM_uint32 code, int type) {
  OM_uint32 context = 0;
  // gss_display_status hands out one message per call; message_context tells whether more follow.
  for (int guard = 0; guard < 16; ++guard) {
    OM_uint32 minor = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_display_status(&minor, code, type, type == GSS_C_MECH_CODE ? gss_mech_krb5 : GSS_C_NO_OID,
                                         &context, &text);
    if (GSS_ERROR(major)) break;
    if (text.length > 0) {
      if (!out.empty()) out += "; ";
      out.append(static_cast<const char*>(text.value), text.length);
    }
    gss_release_buffer(&minor, &text);
    if (context == 0) break;
  }
}

}  // namespace

std::string DescribeStatus(OM_uint32 major, OM_uint32 minor) {
  std::string out;
  AppendMessages(out, major, GSS_C_GSS_CODE);
  if (minor != 0) AppendMessages(out, minor, GSS_C_MECH_CODE);
  if (out.empty()) out = "unknown GSS-API error";
  return out;
}

Napi::Error GssStatusError(Napi::Env env, const char* operation, OM_uint32 major, OM_uint32 minor) {
  Napi::Error error = Napi::Error::New(env, std::string(operation) + ": " + DescribeStatus(major, minor));
  Napi::Object object = error.Value();
  object.Set("gssOperation", Napi::String::New(env, operation));
  object.Set("gssMajor", Napi::Number::New(env, major));
  // Minor codes are krb5 com_err codes, which are negative as signed 32-bit numbers (e.g. -1765328352).
  object.Set("gssMinor", Napi::Number::New(env, static_cast<int32_t>(minor)));
  return error;
}
