import pkg from '../../package.json' with { type: 'json' };

/** The Aerie version of this build (from package.json). */
export const AERIE_VERSION: string = pkg.version;
