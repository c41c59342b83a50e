// Vite imports a file's text with `?raw` (how the tests read docs/api.md inside workerd).
declare module "*.md?raw" {
  const text: string;
  export default text;
}
