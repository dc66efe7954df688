// Turns GSS major/minor status codes into JavaScript errors carrying the codes and gss_display_status text.
#ifndef POPLAR_GSS_STATUS_H
#define POPLAR_GSS_STATUS_H

#include <gssapi/gssapi.h>
#include <napi.h>

#include <string>

// The text of a major status (GSS codes) followed by the text of its minor status (Kerberos codes).
std::string DescribeStatus(OM_uint32 major, OM_uint32 minor);

// An Error whose message is "<operation>: <description>", with properties gssOperation, gssMajor and gssMinor.
Napi::Error GssStatusError(Napi::Env env, const char* operation, OM_uint32 major, OM_uint32 minor);

#endif
