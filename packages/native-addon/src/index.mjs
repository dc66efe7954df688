export { buildNativeAddon } from './build-native-addon.mjs';
export { loadNativeAddon } from './load-native-addon.mjs';
