# The owner's console in the browser (src/console). Plain text: the pages escape every message.

con-nav-overview = Overview
con-nav-users = Users
con-nav-jobs = Jobs
con-nav-payments = Payments
con-nav-templates = Templates
con-nav-promos = Promo codes
con-nav-costs = Model costs
con-nav-broadcasts = Broadcasts
con-logout = Sign out
con-lang-switch = Русский
con-times-in = All times: { $zone }

## Signing in
con-login-title = Sign in to the console
con-login-intro = This link signs you in to the Neurocards console on this device. It works once.
con-login-button = Sign in
con-link-refused-title = This login link does not work
con-link-unknown = This link is not valid. Send /console to the bot for a new one.
con-link-used = This link was already used: each link signs in once. Send /console to the bot for a new one.
con-link-expired = This link has expired: links work for 10 minutes. Send /console to the bot for a new one.
con-link-not_admin = This link belongs to someone who is no longer an administrator of the bot.
con-refused-session-title = Sign in first
con-refused-session = The console needs a sign-in: send /console to the bot and open the link it answers with. Only the bot's administrators get one.
con-refused-csrf-title = This form is out of date
con-refused-csrf = Nothing was changed: the form was not sent from this session's console page. Reload the page and try again.
con-logged-out-title = Signed out
con-logged-out = You are signed out. Send /console to the bot to sign in again.
con-not-found-title = Not found

## Notices after an action
con-ok-granted = { $n ->
    [one] { $n } credit granted.
   *[other] { $n } credits granted.
}
con-ok-deducted = { $n ->
    [one] { $n } credit deducted.
   *[other] { $n } credits deducted.
}
con-ok-repeated = This form was already sent: nothing changed the second time.
con-ok-blocked = The user is blocked.
con-ok-unblocked = The user is unblocked.
con-ok-retried = The job is back in the queue.
con-ok-job-refunded = The job's credits are returned. The user's balance: { $n }.
con-ok-payment-refunded = { $n ->
    [one] Payment refunded; { $n } credit taken back.
   *[other] Payment refunded; { $n } credits taken back.
}
con-ok-payment-already = This payment was already refunded.
con-ok-broadcast-started = { $n ->
    [one] The broadcast is being sent to { $n } user.
   *[other] The broadcast is being sent to { $n } users.
}
con-ok-broadcast-cancelled = The broadcast draft is cancelled.
con-ok-language = Language changed.
con-ok-template-saved = The template is saved: sellers see it at once.
con-ok-template-created = The template is created: sellers see it at once if it is on.
con-ok-template-on = The template is on: sellers can pick it.
con-ok-template-off = The template is off: sellers no longer see it; confirmed jobs still run.
con-ok-template-moved = The order is changed.
con-ok-templates-imported = { $n ->
    [one] Imported: { $n } template created or replaced.
   *[other] Imported: { $n } templates created or replaced.
}
con-ok-promo-created = The promo code is created: it is at the top of the list.
con-ok-promo-disabled = The promo code is off: sellers are told it is no longer active.
con-ok-promo-enabled = The promo code is on again.
con-ok-cost-saved = The cost is recorded.
con-ok-cost-removed = The cost is removed.

## Overview
con-overview-title = Overview, { $from } – { $to }
con-range-from = From
con-range-to = To
con-range-show = Show
con-range-last = { $n ->
    [one] last day
   *[other] last { $n } days
}
con-range-bad = That date range is not valid; showing the last 30 days.
con-range-long = { $n ->
    [one] At most { $n } day at a time; showing the last 30 days.
   *[other] At most { $n } days at a time; showing the last 30 days.
}
con-tile-revenue = Revenue (paid, not refunded)
con-tile-orders = Videos ordered
con-tile-success = success rate { $rate }
con-tile-users = New users
con-tile-paid = { $n ->
    [one] { $n } of them paid
   *[other] { $n } of them paid
}
con-tile-queue = Queue now
con-queue-now = { $queued } waiting · { $processing } in work
con-queue-oldest = oldest waiting since { $at } ({ $minutes } min)
con-queue-empty = nobody is waiting
con-chart-revenue = Revenue per day { $currency }
con-chart-revenue-total = { $n ->
    [one] Total { $total } from { $n } payment
   *[other] Total { $total } from { $n } payments
}
con-no-payments = No payments in this range.
con-chart-orders = Orders per day and their outcome
con-chart-orders-total = { $n ->
    [one] { $n } order · { $ok } succeeded · { $bad } failed · success rate { $rate }
   *[other] { $n } orders · { $ok } succeeded · { $bad } failed · success rate { $rate }
}
con-series-ordered = ordered
con-series-succeeded = succeeded
con-series-failed = failed
con-series-wait = minutes
con-chart-wait = Wait for a worker (average per day)
con-chart-wait-total = Average over the range: { $minutes } min from order to the start of work
con-failures-title = Failures by error class
con-no-failures = No failed jobs in this range.
con-funnel-title = Funnel of the users who joined in this range
con-funnel-started = Started the bot
con-funnel-consented = Accepted the terms
con-funnel-ordered = Ordered a video
con-funnel-paid = Paid
con-sources-title = Traffic sources (/start payloads)
con-source-direct = no payload
con-source-referral = a friend's referral link
con-no-users = Nobody joined in this range.
con-templates-title = Volume and margin per template
con-no-jobs = No jobs in this range.
con-col-error = Error class
con-col-count = Jobs
con-col-share-failures = Share of failures
con-col-share-finished = Of finished jobs
con-col-source = Source
con-col-users = Users
con-col-share = Share
con-col-paid = Paid
con-col-conversion = Conversion
con-col-template = Template
con-col-ordered = Ordered
con-col-credits = Credits
con-col-revenue = Revenue (est.)
con-col-cost = Cost
con-col-margin = Margin
con-margin-per-credit = Revenue is estimated from the average price of a credit: { $price }. Only videos made count; failed ones are refunded and not charged.
con-margin-no-sales = Nothing sold yet: no revenue to set against the costs.
con-margin-currencies = A margin is shown where a template's revenue and its cost are in one currency: here they are not.
con-margin-unpriced = { $n ->
    [one] No cost recorded for the model { $models }: its videos show no margin.
   *[other] No cost recorded for the models { $models }: their videos show no margin.
}

## Users
con-users-search-hint = Telegram id, id or @username
con-users-search = Find
con-users-found = { $n ->
    [one] { $n } user found for “{ $query }”
   *[other] { $n } users found for “{ $query }”
}
con-users-newest = Newest users
con-users-none = Nobody found.
con-col-user = User
con-col-balance = Balance
con-col-joined = Joined
con-col-active = Last active
con-col-consent = Accepted the terms
con-col-language = Language
con-col-status = Status
con-invited-by = invited by
con-block-confirm = Block { $name }? The bot will answer them with one short notice only.
con-credits-op = Grant or deduct
con-credits-grant = Grant
con-credits-deduct = Deduct
con-credits-amount = Credits
con-credits-reason = Reason (kept in the ledger)
con-credits-apply = Apply
con-bad-amount = Enter a whole number of credits from 1 to { $max }.
con-bad-reason = Enter a reason, 1 to { $max } characters.
con-form-stale = This form is out of date: reload the page and try again.
con-deduct-short = { $balance ->
    [one] Nothing was taken: the user has only { $balance } credit.
   *[other] Nothing was taken: the user has only { $balance } credits.
}
con-ledger-title = Ledger
con-col-time = Time
con-col-change = Change
con-col-reason = Reason
con-col-note = Note
con-user-jobs = Jobs

## Jobs
con-any = any
con-older = Older →
con-refunded = refunded
con-job-error = Error
con-col-attempts = Attempts
con-col-step = Step
con-col-provider = Provider task
con-job-title = Job #{ $id }
con-job-product = Product description
con-job-wishes = Wishes
con-job-prompt = Prompt
con-job-timeline = Timeline
con-job-result = Result
con-timeline-created = ordered
con-timeline-started = a worker started it
con-timeline-finished = finished: { $status }
con-timeline-refunded = credits refunded
con-result-none = No result yet.
con-result-gone = The result file is no longer stored (deleted after RETENTION_DAYS).
con-result-open = Open the video
con-result-expires = { $minutes ->
    [one] (the link works for { $minutes } minute)
   *[other] (the link works for { $minutes } minutes)
}
con-refund-job-confirm = { $credits ->
    [one] Return { $credits } credit of job #{ $id } to the user?
   *[other] Return { $credits } credits of job #{ $id } to the user?
}

## Payments
con-payments-paid = paid
con-payments-refunded = refunded
con-col-amount = Amount
con-col-charge = Telegram charge
con-refund = Refund
con-refund-in-provider = refund in the provider's dashboard
con-refund-confirm = { $credits ->
    [one] Refund payment #{ $id } through Telegram and take back { $credits } credit?
   *[other] Refund payment #{ $id } through Telegram and take back { $credits } credits?
}

## Broadcasts
con-bc-new = New broadcast
con-bc-audience = Audience
con-bc-text = Message (plain text, up to 4096 characters)
con-bc-preview = Preview
con-bc-recent = Recent broadcasts
con-bc-none = No broadcasts yet.
con-bc-title = Broadcast #{ $id }
con-bc-send-confirm = Send this message to { $audience }? It cannot be taken back.
con-bc-sent = sent
con-bc-failed = failed
con-bc-blocked = blocked the bot
con-bc-total = recipients
con-bc-finished = finished
con-bc-photo = (with a photo, sent from the bot)
con-bc-missing = There is no such broadcast.
con-bc-bad-text = Write the message: 1 to { $max } characters.
con-bc-unavailable = Broadcasts are sent by the process that polls Telegram; this one does not.
con-bc-status-draft = draft
con-bc-status-running = sending
con-bc-status-done = finished
con-bc-status-cancelled = cancelled

## Templates
con-tpl-list = The offer, in the sellers' order
con-tpl-live = Every change reaches the bot at once. Jobs already confirmed keep the price they were bought with.
con-tpl-new = New template
con-tpl-export = Export (JSON)
con-tpl-edit = Template “{ $name }”
con-tpl-missing = There is no such template.
con-tpl-updated = Last changed { $at } by { $by }
con-tpl-on = on
con-tpl-off = off
con-tpl-switch-on = Switch on
con-tpl-switch-off = Switch off
con-tpl-prices = Lengths and prices
con-tpl-length-price = { $seconds } s: { $n ->
    [one] { $n } credit
   *[other] { $n } credits
}
con-tpl-model = Model
con-tpl-formats = Formats
con-tpl-photo-shape = the photo's shape
con-tpl-broken = Stored templates that do not pass the checks (not offered)
con-tpl-id = Id
con-tpl-id-hint = 1 to 20 of a–z, 0–9, “-” and “_”; it names the template in jobs and cannot be changed later.
con-tpl-name = Name
con-tpl-description = Description
con-tpl-in-en = English
con-tpl-in-ru = Russian
con-tpl-field-name = name
con-tpl-field-description = description
con-tpl-kind = Kind
con-tpl-kind-ugc = a presenter shows the product
con-tpl-kind-ad = the product alone
con-tpl-kind-own = the seller's own prompt
con-tpl-model-renders = { $lengths } s; { $formats }
con-tpl-length = Length
con-tpl-price = Price in credits
con-tpl-seconds = { $seconds } s
con-tpl-price-of = Price of a { $seconds } s video in credits
con-tpl-default = preselected
con-tpl-rendered-by = Models that render it
con-tpl-formats-hint = Models that take the photo's shape need none.
con-tpl-ask-wishes = Ask the seller for wishes
con-tpl-instructions = Instructions for the prompt writer (it is told the length and format separately)
con-tpl-fallback = Prompt used when the prompt writer fails
con-tpl-enabled = Offered to sellers
con-tpl-save = Save
con-tpl-create = Create
con-tpl-refused = Nothing was saved: see what to fix next to the form.
con-tpl-bad-id = The id must be 1 to 20 of a–z, 0–9, “-” and “_”, and not “new”, “export” or “import”.
con-tpl-id-taken = A template with the id “{ $id }” already exists.
con-tpl-bad-kind = Pick the kind of the template.
con-tpl-need-text = { $lang ->
    [ru] Write the { $field } in Russian.
   *[en] Write the { $field } in English.
}
con-tpl-bad-price = The price of { $seconds } s must be a whole number of credits, at least 1.
con-tpl-no-lengths = Offer at least one length.
con-tpl-issue-unknown-model = There is no model { $model }.
con-tpl-issue-twice = A length or a format is listed twice.
con-tpl-issue-length = { $model } renders { $renders } s, not { $seconds } s.
con-tpl-issue-no-formats = { $model } takes the photo's shape: tick no format.
con-tpl-issue-formats-needed = Tick the formats to offer ({ $model } renders { $renders }).
con-tpl-issue-format = { $model } does not render { $format }.
con-tpl-last-enabled = This is the last template offered: sellers need one to pick. Switch another one on first.
con-tpl-import = Import
con-tpl-import-how = Paste or pick a file as Export writes it (or `neurocards templates export`). Its templates are created or replaced in its order and the others switched off — all or nothing.
con-tpl-import-file = File
con-tpl-import-text = Catalogue (JSON)
con-tpl-import-button = Import
con-tpl-import-confirm = Make this file the offer? Templates missing from it are switched off.
con-tpl-import-refused = Nothing was imported: the file has these problems.

## Model costs
con-cost-record = Record a cost
con-cost-how = What one video, or one second of video, of a model costs you. The overview sets it against the revenue of each template's videos.
con-cost-amount = Price
con-cost-currency = Currency
con-cost-per = Per
con-cost-per-video = video
con-cost-per-second = second
con-cost-save = Record
con-cost-recorded = Recorded costs
con-cost-none = No costs recorded yet.
con-cost-missing = { $n ->
    [one] The offer uses a model without a cost: { $models }.
   *[other] The offer uses models without a cost: { $models }.
}
con-cost-remove = Remove
con-cost-remove-confirm = Forget the cost of { $model }? Its videos show no margin until one is recorded.
con-cost-bad-model = Pick a model.
con-cost-bad-amount = The price must be a positive number with at most { $decimals } decimals, up to { $max }, e.g. 0.15.
con-cost-bad-currency = The currency must be a 3-letter code: USD, RUB, XTR (Stars)…
con-cost-bad-unit = Pick per video or per second.

## Promo codes
con-promo-new = New promo code
con-promo-list = Promo codes, newest first
con-promo-how = Sellers redeem a code with /promo CODE, the link beside it, or the Promo code button in My account — once per user.
con-promo-none = No promo codes yet.
con-promo-code = Code
con-promo-code-hint = empty: a generated one
con-promo-credits = Credits
con-promo-uses = People
con-promo-uses-hint = empty: any number
con-promo-days = Valid for days
con-promo-days-hint = empty: no end
con-promo-note = Note
con-promo-note-hint = where it was published
con-promo-create = Create
con-promo-redemptions = Redeemed
con-promo-left = Left
con-promo-until = Valid until
con-promo-no-expiry = no end
con-promo-link = Link
con-promo-state-active = active
con-promo-state-disabled = off
con-promo-state-expired = expired
con-promo-state-used_up = used up
con-promo-disable = Switch off
con-promo-enable = Switch on
con-promo-disable-confirm = Switch off { $code }? Sellers who try it are told it is no longer active; credits given stay.
con-promo-missing = There is no code { $code }.
con-promo-bad-code = “{ $code }” cannot be a code: 3 to 32 Latin letters, digits, “-” or “_”.
con-promo-bad-credits = Credits: a whole number from 1 to { $maxCredits }.
con-promo-bad-uses = People: empty for any number, or a whole number from 1 to { $maxUses }.
con-promo-bad-expiry = Days: empty for no end, or a whole number from 1 to { $maxDays }.
con-promo-bad-note = The note is too long: at most { $maxNote } characters.
con-promo-bad-exists = The code { $code } already exists: pick another one.
