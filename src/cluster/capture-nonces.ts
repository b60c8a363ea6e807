import type { RedisClient } from 'bun'
import type { UsedNonces } from '../tracking/token'
import { PREFIX } from './redis'

/** Used capture-token nonces in Redis: SET NX, expiring with the token, so no instance accepts one twice. */
export class RedisNonces implements UsedNonces {
  constructor(private readonly redis: RedisClient) {}

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    const set = await this.redis.send('SET', [`${PREFIX}capture:${nonce}`, '1', 'NX', 'PXAT', String(Math.ceil(expiresAt))])
    return set === 'OK'
  }
}
