/** Files the packaged app loads at run time (relative to the project root). */
export declare const RUNTIME_FILES: string[];
/** What each extraResources entry must bring (its `to` folder → the files it must hold). */
export declare const EXTRA_RESOURCES: Record<string, string[]>;
export declare const REQUIRED_TARGETS: Record<'linux' | 'mac' | 'win', string[]>;
/** electron-builder's allow-list semantics for one project-relative path. */
export declare function allowed(file: string, patterns: readonly string[]): boolean;
/** Bare package names a built main-process bundle imports. */
export declare function importedPackages(code: string): string[];
/** Every problem a package built from `root` would have; empty when complete. */
export declare function checkPackage(root: string, configFile?: string): Promise<string[]>;
