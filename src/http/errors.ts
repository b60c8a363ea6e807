/**
 * Every error Hoko answers with: one closed table of code → HTTP status and its English and Arabic
 * message. Domain code throws `new HokoError(code, params)`; only `errorBody` turns it into JSON.
 */

type Messages<P> = { status: number; en: (p: P) => string; ar: (p: P) => string }
const def = <P = void>(m: Messages<P>) => m

const ERRORS = {
  invalid_request: def({
    status: 400,
    en: () => 'Invalid request format',
    ar: () => 'تنسيق طلب غير صالح',
  }),
  validation: def<{ en: string; ar: string }>({ status: 400, en: (p) => p.en, ar: (p) => p.ar }),
  malformed_json: def({
    status: 400,
    en: () => 'Request body is not valid JSON',
    ar: () => 'جسم الطلب ليس JSON صالحًا',
  }),
  too_deep: def<{ max: number }>({
    status: 400,
    en: (p) => `Request body nests arrays and objects deeper than ${p.max} levels`,
    ar: (p) => `جسم الطلب يتداخل فيه المصفوفات والكائنات لأكثر من ${p.max} مستوى`,
  }),
  invalid_utf8: def({
    status: 400,
    en: () => 'Request body is not valid UTF-8',
    ar: () => 'جسم الطلب ليس نصًا صالحًا بترميز UTF-8',
  }),
  unstorable_text: def<{ path: string }>({
    status: 400,
    en: (p) => `${p.path}: text must not contain the NUL character (U+0000) or an unpaired surrogate (\\uD800–\\uDFFF alone)`,
    ar: (p) => `${p.path}: يجب ألا يحتوي النص على المحرف NUL ‏(U+0000) أو على نصف زوج بديل منفرد (\\uD800–\\uDFFF)`,
  }),
  unsupported_content_type: def({
    status: 400,
    en: () => 'Content-Type must be application/json',
    ar: () => 'يجب أن يكون نوع المحتوى (Content-Type) هو application/json',
  }),
  csv_content_type: def({
    status: 400,
    en: () => 'Content-Type must be text/csv',
    ar: () => 'يجب أن يكون نوع المحتوى (Content-Type) هو text/csv',
  }),
  import_no_header: def({
    status: 400,
    en: () => 'The file has no header row: the first line must name the columns',
    ar: () => 'الملف بلا سطر عناوين: يجب أن يسمّي السطر الأول الأعمدة',
  }),
  import_unknown_format: def<{ formats: string }>({
    status: 400,
    en: (p) => `The header row matches no known export (${p.formats}); pass format to say which it is`,
    ar: (p) => `سطر العناوين لا يطابق أي تصدير معروف (${p.formats})؛ حدّد format لتوضيح نوعه`,
  }),
  import_missing_columns: def<{ format: string; columns: string[] }>({
    status: 400,
    en: (p) => `A ${p.format} export has the columns ${p.columns.map((c) => `"${c}"`).join(', ')}; this file lacks them`,
    ar: (p) => `تصدير ${p.format} يحتوي على الأعمدة ${p.columns.map((c) => `"${c}"`).join('، ')}؛ وهذا الملف يخلو منها`,
  }),
  import_too_many_rows: def<{ max: number }>({
    status: 400,
    en: (p) => `Your plan allows at most ${p.max} rows per import; split the file`,
    ar: (p) => `تسمح خطتك بحد أقصى ${p.max} صف في الاستيراد الواحد؛ قسّم الملف`,
  }),
  import_conflicts: def<{ count: number; line: number; en: string; ar: string }>({
    status: 400,
    en: (p) => `${p.count} row(s) conflict with existing links (first: line ${p.line}, ${p.en}); nothing was imported (onConflict=fail)`,
    ar: (p) => `${p.count} صف يتعارض مع روابط موجودة (أولها: السطر ${p.line}، ${p.ar})؛ لم يُستورد شيء (onConflict=fail)`,
  }),
  body_required: def({
    status: 400,
    en: () => 'Request body is required',
    ar: () => 'جسم الطلب مطلوب',
  }),
  conflict: def({
    status: 400,
    en: () => 'A unique value in this request (such as an externalId or shortId) is already in use',
    ar: () => 'قيمة فريدة في هذا الطلب (مثل externalId أو shortId) مستخدمة بالفعل',
  }),
  batch_too_large: def<{ resource: string; max: number; count: number }>({
    status: 400,
    en: (p) => `${p.resource}: your plan allows at most ${p.max} items per request, got ${p.count}`,
    ar: (p) => `${p.resource}: تسمح خطتك بحد أقصى ${p.max} عنصر في الطلب الواحد، وقد أُرسل ${p.count}`,
  }),
  unknown_reference: def<{ path: string; noun: { en: string; ar: string }; id: string }>({
    status: 400,
    en: (p) => `${p.path}: no ${p.noun.en} with id ${p.id} in this workspace`,
    ar: (p) => `${p.path}: لا يوجد ${p.noun.ar} بالمعرّف ${p.id} في مساحة العمل هذه`,
  }),
  duplicate_value: def<{ path: string; value: string; firstPath: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.value} appears more than once in this request (first at ${p.firstPath})`,
    ar: (p) => `${p.path}: القيمة ${p.value} مكررة في هذا الطلب (أول ظهور في ${p.firstPath})`,
  }),
  name_required: def<{ resource: string; index: number }>({
    status: 400,
    en: (p) => `${p.resource}[${p.index}].name: is required`,
    ar: (p) => `${p.resource}[${p.index}].name: حقل مطلوب`,
  }),
  click_not_found: def<{ clickId: string }>({
    status: 400,
    en: (p) => `Click ID ${p.clickId} not found or does not belong to your workspace`,
    ar: (p) => `معرف النقرة ${p.clickId} غير موجود أو لا ينتمي إلى مساحة العمل الخاصة بك`,
  }),
  no_earlier_lead: def<{ customerExternalId: string }>({
    status: 400,
    en: (p) =>
      `clickId: customer ${p.customerExternalId} has no earlier lead to attribute a deferred lead ("") to; send the clickId`,
    ar: (p) =>
      `clickId: لا يوجد للعميل ${p.customerExternalId} عميل محتمل سابق لنسب هذا الحدث المؤجل ("") إليه؛ أرسل معرف النقرة clickId`,
  }),
  sale_unattributable: def<{ customerExternalId: string; leadEventName?: string }>({
    status: 400,
    en: (p) =>
      `Cannot attribute this sale: customer ${p.customerExternalId} has ${p.leadEventName ? `no lead named "${p.leadEventName}", ` : ''}no lead, and no clickId was sent`,
    ar: (p) =>
      `تعذّر نسب هذا البيع: ${p.leadEventName ? `لا يوجد عميل محتمل باسم "${p.leadEventName}"، ` : ''}لا يوجد للعميل ${p.customerExternalId} أي عميل محتمل، ولم يُرسل معرف النقرة clickId`,
  }),
  idempotency_key_invalid: def({
    status: 400,
    en: () => 'Idempotency-Key: must be 1 to 255 printable ASCII characters',
    ar: () => 'Idempotency-Key: يجب أن يتكون من 1 إلى 255 حرفًا من أحرف ASCII القابلة للطباعة',
  }),
  idempotency_key_reused: def({
    status: 400,
    en: () => 'Idempotency-Key: this key was already used with a different request',
    ar: () => 'Idempotency-Key: هذا المفتاح استُخدم من قبل مع طلب مختلف',
  }),
  capture_invalid: def({
    status: 400,
    en: () => "capture: the token is invalid, expired or already used, or the page is not on the link's host",
    ar: () => 'capture: الرمز غير صالح أو منتهي الصلاحية أو مستخدم من قبل، أو أن الصفحة ليست على نطاق الرابط',
  }),
  qr_text_too_long: def<{ errorCorrection: string }>({
    status: 400,
    en: (p) => `text: is too long for a QR code with errorCorrection ${p.errorCorrection}`,
    ar: (p) => `text: أطول من أن يتسع له رمز QR بمستوى تصحيح الأخطاء ${p.errorCorrection}`,
  }),
  end_before_start: def({
    status: 400,
    en: () => 'endDate: must not be before startDate',
    ar: () => 'endDate: يجب ألا يسبق تاريخ البداية startDate',
  }),
  last_owner: def<{ path: string; email: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.email} is the last owner of this workspace and can be neither removed nor demoted`,
    ar: (p) => `${p.path}: ${p.email} هو آخر مالك لمساحة العمل هذه، فلا يمكن إزالته ولا خفض دوره`,
  }),
  wrong_password: def({
    status: 400,
    en: () => 'currentPassword: is not your current password',
    ar: () => 'currentPassword: ليست كلمة مرورك الحالية',
  }),
  email_taken: def<{ path: string; email: string }>({
    status: 400,
    en: (p) => `${p.path}: a user with the email ${p.email} already exists`,
    ar: (p) => `${p.path}: يوجد مستخدم بالبريد الإلكتروني ${p.email} بالفعل`,
  }),
  slug_taken: def<{ path: string; slug: string }>({
    status: 400,
    en: (p) => `${p.path}: the slug ${p.slug} is already taken`,
    ar: (p) => `${p.path}: المعرّف ${p.slug} مستخدم بالفعل`,
  }),
  key_already_revoked: def<{ path: string; id: string }>({
    status: 400,
    en: (p) => `${p.path}: API key ${p.id} is already revoked`,
    ar: (p) => `${p.path}: مفتاح API ${p.id} ملغى بالفعل`,
  }),
  missing_authorization: def({
    status: 401,
    en: () => 'Missing Authorization header',
    ar: () => 'ترويسة التفويض (Authorization) مفقودة',
  }),
  invalid_api_key_format: def({
    status: 401,
    en: () => 'Invalid API key format',
    ar: () => 'تنسيق مفتاح API غير صحيح',
  }),
  invalid_api_key: def({
    status: 401,
    en: () => 'Invalid API key',
    ar: () => 'مفتاح API غير صالح',
  }),
  expired_api_key: def({
    status: 401,
    en: () => 'API key has expired',
    ar: () => 'انتهت صلاحية مفتاح API',
  }),
  invalid_session: def({
    status: 401,
    en: () => 'Your session has ended or is not valid: log in again',
    ar: () => 'انتهت جلستك أو أنها غير صالحة: سجّل الدخول من جديد',
  }),
  csrf_failed: def({
    status: 403,
    en: () => 'The CSRF check failed: send the X-CSRF-Token header from /api/me, from this origin',
    ar: () => 'فشل التحقق من CSRF: أرسل الترويسة X-CSRF-Token المأخوذة من /api/me، ومن هذا الأصل نفسه',
  }),
  not_a_member: def({
    status: 403,
    en: () => 'You are not a member of this workspace',
    ar: () => 'لست عضوًا في مساحة العمل هذه',
  }),
  session_required: def({
    status: 403,
    en: () => 'Only a user logged in to the dashboard can do this; API keys cannot',
    ar: () => 'لا يمكن القيام بهذا إلا لمستخدم مسجّل الدخول إلى لوحة التحكم؛ لا تصلح له مفاتيح API',
  }),
  admin_required: def<{ what: { en: string; ar: string } }>({
    status: 403,
    en: (p) => `Only an instance admin can ${p.what.en}`,
    ar: (p) => `لا يستطيع ${p.what.ar} إلا مسؤول الخادم`,
  }),
  scope_escalation: def<{ path: string; scopes: string[] }>({
    status: 403,
    en: (p) => `${p.path}: you cannot give a key scopes you do not have: ${p.scopes.join(', ')}`,
    ar: (p) => `${p.path}: لا يمكنك منح مفتاح صلاحيات لا تملكها: ${p.scopes.join(', ')}`,
  }),
  missing_scopes: def({
    status: 403,
    en: () => 'Missing required scopes',
    ar: () => 'الصلاحيات المطلوبة مفقودة',
  }),
  missing_features: def<{ features: string[] }>({
    status: 403,
    en: (p) => `Your workspace's plan does not include: ${p.features.join(', ')}`,
    ar: (p) => `خطة مساحة العمل لا تتضمن الميزات التالية: ${p.features.join(', ')}`,
  }),
  metrics_token_invalid: def({
    status: 403,
    en: () => 'Wrong metrics token',
    ar: () => 'رمز المقاييس (metrics token) غير صحيح',
  }),
  metrics_local_only: def({
    status: 403,
    en: () => 'Metrics are served to this machine only, and not through a proxy; set HOKO_METRICS_TOKEN to scrape them from elsewhere',
    ar: () => 'تُقدَّم المقاييس لهذا الجهاز فقط وليس عبر وكيل (proxy)؛ اضبط HOKO_METRICS_TOKEN لجمعها من مكان آخر',
  }),
  not_found: def<{ method: string; path: string }>({
    status: 404,
    en: (p) => `Endpoint not found: ${p.method} ${p.path}`,
    ar: (p) => `نقطة النهاية غير موجودة: ${p.method} ${p.path}`,
  }),
  payload_too_large: def<{ limit: number }>({
    status: 413,
    en: (p) => `Request body is larger than the limit of ${p.limit} bytes`,
    ar: (p) => `حجم جسم الطلب أكبر من الحد المسموح به وهو ${p.limit} بايت`,
  }),
  uri_too_long: def<{ max: number }>({
    status: 414,
    en: (p) => `The URL is longer than ${p.max} characters`,
    ar: (p) => `عنوان URL أطول من ${p.max} حرف`,
  }),
  rate_limited: def({
    status: 429,
    en: () => 'Rate limit exceeded',
    ar: () => 'تم تجاوز حد المعدل',
  }),
  unavailable: def({
    status: 503,
    en: () => 'Service unavailable: the database is not answering',
    ar: () => 'الخدمة غير متاحة: قاعدة البيانات لا تستجيب',
  }),
  shared_state_unavailable: def({
    status: 503,
    en: () => 'Service unavailable: the shared state store (Redis) is not answering; try again shortly',
    ar: () => 'الخدمة غير متاحة: مخزن الحالة المشتركة (Redis) لا يستجيب؛ حاول مرة أخرى بعد قليل',
  }),
  internal: def({
    status: 500,
    en: () => 'Internal server error',
    ar: () => 'حدث خطأ داخلي في الخادم',
  }),
  // Links: `path` is the field's place in the request, such as links[0].shortId.
  link_field_required: def<{ path: string }>({
    status: 400,
    en: (p) => `${p.path}: is required`,
    ar: (p) => `${p.path}: حقل مطلوب`,
  }),
  short_id_immutable: def<{ path: string; shortId: string }>({
    status: 400,
    en: (p) => `${p.path}: cannot be changed once a link exists (it is ${p.shortId})`,
    ar: (p) => `${p.path}: لا يمكن تغييره بعد إنشاء الرابط (قيمته ${p.shortId})`,
  }),
  short_id_taken: def<{ path: string; shortId: string; domain?: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.shortId} is already taken${p.domain ? ` on ${p.domain}` : ''}`,
    ar: (p) => `${p.path}: المعرّف ${p.shortId} مستخدم بالفعل${p.domain ? ` على النطاق ${p.domain}` : ''}`,
  }),
  external_id_taken: def<{ path: string; externalId: string; linkId: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.externalId} is already used by link ${p.linkId}`,
    ar: (p) => `${p.path}: القيمة ${p.externalId} مستخدمة بالفعل للرابط ${p.linkId}`,
  }),
  // Webhooks.
  webhook_field_required: def<{ path: string }>({
    status: 400,
    en: (p) => `${p.path}: is required`,
    ar: (p) => `${p.path}: حقل مطلوب`,
  }),
  webhook_url_not_https: def<{ path: string }>({
    status: 400,
    en: (p) => `${p.path}: must be an https URL (http only when the server sets HOKO_WEBHOOK_ALLOW_PRIVATE=1)`,
    ar: (p) => `${p.path}: يجب أن يكون رابط https (يُسمح بـ http فقط إذا ضُبط HOKO_WEBHOOK_ALLOW_PRIVATE=1 على الخادم)`,
  }),
  // Domains: `path` as for links, such as domains[0].name.
  domain_taken: def<{ path: string; name: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.name} is already registered on this server`,
    ar: (p) => `${p.path}: النطاق ${p.name} مسجّل بالفعل على هذا الخادم`,
  }),
  domain_is_base_host: def<{ path: string; name: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.name} is the server's own host (HOKO_BASE_URL), which every workspace already has`,
    ar: (p) => `${p.path}: ${p.name} هو نطاق الخادم نفسه (HOKO_BASE_URL)، وهو متاح لكل مساحات العمل أصلًا`,
  }),
  domain_has_links: def<{ path: string; name: string; count: number }>({
    status: 400,
    en: (p) => `${p.path}: ${p.name} still has ${p.count} live link${p.count === 1 ? '' : 's'}; delete them or move them to another domain first`,
    ar: (p) => `${p.path}: ما زال على النطاق ${p.name} عدد ${p.count} من الروابط النشطة؛ احذفها أو انقلها إلى نطاق آخر أولًا`,
  }),
  domain_url_loops: def<{ path: string; name: string }>({
    status: 400,
    en: (p) => `${p.path}: must not point back at ${p.name} itself, which would redirect in a loop`,
    ar: (p) => `${p.path}: يجب ألا يشير إلى النطاق ${p.name} نفسه، لأن ذلك يسبب إعادة توجيه لا تنتهي`,
  }),
  commission_transition: def<{ path: string; id: string; from: string; to: string }>({
    status: 400,
    en: (p) => `${p.path}: commission ${p.id} is ${p.from} and cannot become ${p.to} (pending → approved → paid; pending or approved → canceled)`,
    ar: (p) => `${p.path}: حالة العمولة ${p.id} هي ${p.from} ولا يمكن أن تصبح ${p.to} (pending ← approved ← paid؛ pending أو approved ← canceled)`,
  }),
  commission_on_hold: def<{ path: string; id: string; availableAt: string }>({
    status: 400,
    en: (p) => `${p.path}: commission ${p.id} is on hold until ${p.availableAt}; send "force": true to approve it now`,
    ar: (p) => `${p.path}: العمولة ${p.id} معلّقة حتى ${p.availableAt}؛ أرسل "force": true لاعتمادها الآن`,
  }),
  unknown_domain: def<{ path: string; domain: string }>({
    status: 400,
    en: (p) => `${p.path}: ${p.domain} is not a domain of this workspace`,
    ar: (p) => `${p.path}: ${p.domain} ليس نطاقًا من نطاقات مساحة العمل هذه`,
  }),
} as const

export type ErrorCode = keyof typeof ERRORS
/** The params a code's messages are built from; `void` for codes whose text is fixed. */
export type ParamsOf<C extends ErrorCode> = (typeof ERRORS)[C] extends Messages<infer P> ? P : never
/** Extra top-level fields the spec defines for some errors. */
export type ErrorExtra = { missingScopes?: string[]; retryAfter?: number; missingFeatures?: string[] }

type ArgsOf<C extends ErrorCode> = [ParamsOf<C>] extends [void]
  ? [code: C, params?: undefined, extra?: ErrorExtra]
  : [code: C, params: ParamsOf<C>, extra?: ErrorExtra]
/**
 * One argument tuple per code, so `new HokoError('not_found')` (params missing), wrong param shapes,
 * and params on a fixed-text code are compile errors rather than a crash inside the error path.
 */
export type HokoErrorArgs = { [C in ErrorCode]: ArgsOf<C> }[ErrorCode]

export class HokoError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly en: string
  readonly ar: string
  readonly extra?: ErrorExtra

  constructor(...[code, params, extra]: HokoErrorArgs) {
    const m = ERRORS[code] as Messages<unknown>
    const en = m.en(params)
    super(en)
    this.code = code
    this.status = m.status
    this.en = en
    this.ar = m.ar(params)
    this.extra = extra
  }

  /** Only for the text of a schema issue (http/validation.ts); every other 400 has its own code. */
  static validation(en: string, ar: string): HokoError {
    return new HokoError('validation', { en, ar })
  }
}

export function errorBody(e: HokoError) {
  return { error: { en: e.en, ar: e.ar }, ...e.extra }
}
