// YAML parsing for scheme files, behind a module of our own: a bundle that validates stored (JSON) schemes
// but never loads a YAML file leaves this module, and with it the yaml package, out (package.json
// sideEffects:false); imported from scheme.ts directly, yaml's ~110 KB would stay in every such bundle.
export { parse as parseYaml } from 'yaml';
