declare module '*.sql' {
  const text: string
  export default text
}

declare module '*.mmdb' {
  /** A path: `with { type: 'file' }` embeds the file in the compiled binary. */
  const path: string
  export default path
}

declare module '*.css' {
  /** The dashboard's stylesheets: Bun's bundler emits them as a CSS file of the page. */
}
