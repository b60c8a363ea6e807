import pkg from '../package.json' with { type: 'json' }

/** The release, from package.json: bundled into the binary, so `hoko version` needs no files. */
export const VERSION: string = pkg.version
