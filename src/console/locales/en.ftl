# The owner's console in the browser (src/console). Plain text: the pages escape every message.

con-nav-overview = Overview
con-nav-users = Users
con-nav-jobs = Jobs
con-nav-payments = Payments
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
con-templates-title = Volume per template
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
