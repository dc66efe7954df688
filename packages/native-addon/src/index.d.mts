export { type BuildNativeAddonOptions, type BuildNativeAddonOutcome, buildNativeAddon } from './build-native-addon.mjs';
export { type LoadNativeAddonOptions, type LoadNativeAddonResult, loadNativeAddon } from './load-native-addon.mjs';
