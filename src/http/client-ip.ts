import { Elysia } from 'elysia'

type Server = { requestIP(request: Request): { address: string } | null } | null | undefined

/**
 * The socket's address, asked only when called: it costs a call into the server, and most requests
 * never need it (a proxy's X-Forwarded-For comes first, see clicks/ip.ts).
 */
export const socketAddress = (server: Server, request: Request) => () => server?.requestIP(request)?.address

/** Gives a feature's handlers `socketIp()`, the socket address of the request (see socketAddress). */
export const clientIpPlugin = new Elysia({ name: 'hoko-client-ip' }).derive({ as: 'scoped' }, ({ server, request }) => ({
  socketIp: socketAddress(server, request),
}))
