#!/usr/bin/env node
// Builds the native addon (build/Release/gssapi.node) with node-gyp against MIT Kerberos.
//
// A failed build never fails the install or the workspace build: the JavaScript still loads and loadGssapi()
// reports why the addon is missing. The outcome is recorded in build/native-build.json (read by loadGssapi) and the
// compiler output in build/native-build.log. The flow is @poplar/native-addon's buildNativeAddon.
//
//   node scripts/build-native.mjs            build unless the addon is newer than its sources
//   node scripts/build-native.mjs --force    always rebuild
//   node scripts/build-native.mjs --install  as an install script: does nothing in a source checkout (the
//                                            package's build script builds there), builds when installed as a
//                                            dependency (inside node_modules)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { buildNativeAddon } from '@poplar/native-addon';

const packageDir = new URL('..', import.meta.url);

buildNativeAddon({
  packageName: '@poplar/gssapi',
  packageDir,
  addonName: 'gssapi',
  loaderName: 'loadGssapi',
  language: 'c++',
  precheck() {
    const krb5Config = spawnSync('krb5-config', ['--cflags', 'gssapi'], { encoding: 'utf8' });
    if (krb5Config.error || krb5Config.status !== 0) {
      return 'krb5-config not found: install libkrb5-dev (Debian/Ubuntu) or krb5-devel (Fedora) and rebuild';
    }
    try {
      createRequire(new URL('package.json', packageDir)).resolve('node-addon-api');
    } catch {
      return 'node-addon-api is not installed: run the package manager install first, then rebuild';
    }
    return undefined;
  },
  explain(log) {
    if (/gssapi\/gssapi[_a-z]*\.h: No such file|krb5\.h: No such file/.test(log)) {
      return 'Kerberos headers missing: install libkrb5-dev and rebuild';
    }
    if (/cannot find -lgssapi_krb5|cannot find -lkrb5/.test(log)) {
      return 'libgssapi_krb5 missing: install libkrb5-dev and rebuild';
    }
    return undefined;
  },
});
