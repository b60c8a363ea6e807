// The baseline: the limit of the stack on this machine, a bare Bun server answering a fixed 302.
const port = Number(process.argv[2] ?? 3902)
Bun.serve({
  port,
  hostname: '127.0.0.1',
  fetch: () => new Response(null, { status: 302, headers: { location: 'https://example.com/' } }),
})
console.log(`bare listening on ${port}`)
