// Why node-gyp failed, from its output, in words that say what to install. A package's own rules (missing library
// headers, say) are tried before these.

/** What a missing compiler or make looks like in the log, and what to install, for each binding.gyp language. */
const TOOLCHAINS = {
  c: {
    missing: /(make|cc|gcc|clang): (not found|No such file)|not found: (make|cc|gcc)/,
    reason: 'no C toolchain: install gcc (or another cc) and make, then rebuild',
  },
  'c++': {
    missing: /(make|g\+\+|c\+\+|cc): (not found|No such file)|not found: (make|g\+\+)/,
    reason: 'no C++ toolchain: install g++ and make, then rebuild',
  },
};

/** The languages explainBuildLog knows a toolchain for. */
export const LANGUAGES = Object.keys(TOOLCHAINS);

/**
 * The reason for a failed `node-gyp rebuild` whose output is `log`, for an addon written in `language` ('c' or
 * 'c++'). Falls back to pointing at build/native-build.log.
 */
export function explainBuildLog(log, language) {
  // Not just "find Python": node-gyp logs `gyp info find Python using Python version ...` on success too.
  if (/Could not find any Python|gyp ERR! find Python/.test(log)) {
    return 'node-gyp needs Python 3: install python3 and rebuild';
  }
  if (TOOLCHAINS[language].missing.test(log)) return TOOLCHAINS[language].reason;
  if (/node_api\.h: No such file/.test(log)) {
    return 'the Node.js headers are missing: install them (or pass --nodedir to node-gyp) and rebuild';
  }
  if (/getaddrinfo|ECONNREFUSED|ETIMEDOUT|404 response|tarball/i.test(log)) {
    return 'node-gyp could not download the Node.js headers: install them (or pass --nodedir) and rebuild';
  }
  return 'node-gyp failed, see build/native-build.log';
}
