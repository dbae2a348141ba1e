/**
 * The one version of amko-ts: the process, the kubectl plugin and the User-Agent towards the Avi
 * controller all say this. package.json and the chart's appVersion carry the same value (a unit
 * test holds them together).
 */
export const VERSION = '0.1.0';
