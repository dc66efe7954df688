#!/usr/bin/env node
// Builds the native addon (build/Release/sendfile.node) with node-gyp: one C file, plain Node-API, no libraries.
//
// A failed build never fails the install or the workspace build: the JavaScript still loads and loadSendfile()
// reports why the addon is missing. The outcome is recorded in build/native-build.json (read by loadSendfile) and
// the compiler output in build/native-build.log. The flow is @poplar/native-addon's buildNativeAddon.
//
//   node scripts/build-native.mjs            build unless the addon is newer than its sources
//   node scripts/build-native.mjs --force    always rebuild
//   node scripts/build-native.mjs --install  as an install script: does nothing in a source checkout (the
//                                            package's build script builds there), builds when installed as a
//                                            dependency (inside node_modules)
import { buildNativeAddon } from '@poplar/native-addon';

buildNativeAddon({
  packageName: '@poplar/sendfile',
  packageDir: new URL('..', import.meta.url),
  addonName: 'sendfile',
  loaderName: 'loadSendfile',
  language: 'c',
  // Elsewhere a file goes out through ordinary writes; the C code uses Linux's sendfile(2) signature.
  precheck: () =>
    process.platform === 'linux' ? undefined : 'sendfile(2) of a file to a socket is used on Linux only',
});
