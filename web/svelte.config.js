// Svelte compiler options for the console (read by vite-plugin-svelte and svelte-check). TypeScript in
// components needs no preprocessor in Svelte 5: types are stripped by the compiler.
export default {
  compilerOptions: { runes: true },
};
