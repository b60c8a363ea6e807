import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { checkBatchSize, IdList, jsonBody } from '../http/resource'
import { listDeliveries, retryDeliveries, sendTests } from './deliveries'
import { CreateWebhooksBody, DeliveryQuery, UpsertWebhooksBody, WebhookQuery } from './model'
import { deleteWebhooks, listWebhooks, rotateSecrets, upsertWebhooks } from './webhooks'

const tags = ['Webhooks']

export const webhookRoutes = (ctx: AppContext) => {
  const { data, webhooks: outbox } = ctx
  const allowHttp = ctx.config.webhookAllowPrivate
  /** Subscriptions changed here: the click writer knows before the answer, not at the next refresh. */
  const changed = async <T>(out: Promise<T>) => {
    const result = await out
    await outbox.refreshClickSubscribers()
    return result
  }
  return new Elysia({ prefix: '/api/webhooks' })
    .use(scoped(ctx))
    .get('', ({ auth, query }) => listWebhooks(data, auth.workspaceId, query), {
      scope: 'webhooksRead',
      query: WebhookQuery,
      detail: { summary: 'Get webhooks', tags },
    })
    .post(
      '',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'webhooks', body.length)
        set.status = 201
        return changed(upsertWebhooks(data, auth.workspaceId, body, allowHttp))
      },
      { scope: 'webhooksWrite', ...jsonBody(CreateWebhooksBody), detail: { summary: 'Create webhooks (the answer shows each secret, once)', tags } },
    )
    .put(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'webhooks', body.length)
        return changed(upsertWebhooks(data, auth.workspaceId, body, allowHttp))
      },
      { scope: 'webhooksWrite', ...jsonBody(UpsertWebhooksBody), detail: { summary: 'Update or create webhooks', tags } },
    )
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'webhooks', body.length)
        return changed(deleteWebhooks(data, auth.workspaceId, body))
      },
      { scope: 'webhooksWrite', ...jsonBody(IdList), detail: { summary: 'Delete webhooks and their deliveries', tags } },
    )
    .post(
      '/rotate-secret',
      ({ auth, body }) => {
        checkBatchSize(auth, 'webhooks', body.length)
        return rotateSecrets(data, auth.workspaceId, body)
      },
      { scope: 'webhooksWrite', ...jsonBody(IdList), detail: { summary: 'Rotate webhook secrets (the old one also signs for 24 hours)', tags } },
    )
    .get('/deliveries', ({ auth, query }) => listDeliveries(data, auth.workspaceId, query), {
      scope: 'webhooksRead',
      query: DeliveryQuery,
      detail: { summary: 'Get webhook deliveries and their attempts', tags },
    })
    .post(
      '/deliveries/retry',
      ({ auth, body }) => {
        checkBatchSize(auth, 'webhook deliveries', body.length)
        return retryDeliveries(data, auth.workspaceId, body, outbox)
      },
      { scope: 'webhooksWrite', ...jsonBody(IdList), detail: { summary: 'Send webhook deliveries again now', tags } },
    )
    .post(
      '/test',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'webhooks', body.length)
        set.status = 201
        return sendTests(data, auth.workspaceId, body, outbox)
      },
      { scope: 'webhooksWrite', ...jsonBody(IdList), detail: { summary: 'Send a webhook.test event', tags } },
    )
}
