import { Elysia } from 'elysia'
import type { AppContext } from '../app'
import { scoped } from '../http/api-guard'
import { checkBatchSize, IdList, jsonBody } from '../http/resource'
import { CollectionQuery, CreateCollectionsBody, UpsertCollectionsBody } from './model'
import { createCollections, deleteCollections, listCollections, upsertCollections } from './service'

const tags = ['Collections']

export const collectionRoutes = ({ db }: AppContext) =>
  new Elysia({ prefix: '/api/collections' })
    .use(scoped)
    .get('', ({ auth, query }) => listCollections(db, auth.workspaceId, query), {
      scope: 'collectionsRead',
      query: CollectionQuery,
      detail: { summary: 'Get collections', tags },
    })
    .post(
      '',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'collections', body.length)
        set.status = 201
        return createCollections(db, auth.workspaceId, body)
      },
      { scope: 'collectionsWrite', ...jsonBody(CreateCollectionsBody), detail: { summary: 'Create collections', tags } },
    )
    .put(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'collections', body.length)
        return upsertCollections(db, auth.workspaceId, body)
      },
      { scope: 'collectionsWrite', ...jsonBody(UpsertCollectionsBody), detail: { summary: 'Update or create collections', tags } },
    )
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'collections', body.length)
        return deleteCollections(db, auth.workspaceId, body)
      },
      { scope: 'collectionsWrite', ...jsonBody(IdList), detail: { summary: 'Delete collections (soft)', tags } },
    )
