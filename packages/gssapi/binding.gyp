{
  "targets": [
    {
      "target_name": "gssapi",
      "sources": [
        "native/addon.cc",
        "native/acceptor.cc",
        "native/accept-worker.cc",
        "native/gss-status.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["<!@(krb5-config --cflags gssapi)", "-std=c++17"],
      "libraries": ["<!@(krb5-config --libs gssapi)"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["<!@(krb5-config --cflags gssapi)", "-std=c++17"]
      }
    }
  ]
}
