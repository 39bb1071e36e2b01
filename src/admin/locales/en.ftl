adm-stats =
    <b>📊 Neurocards — { $date }</b>

    <b>Users</b>: { $usersTotal } total · { $usersToday } new today · { $usersWeek } new in 7 days · { $usersActive } active in 7 days
    <b>Jobs today</b>: { $jobsToday }
    <b>Jobs 7 days</b>: { $jobsWeek }
    <b>Failure rate 7 days</b>: { $failureRate }
    { $failures }
    <b>Queue</b>: { $queued } waiting, { $processing } in work · oldest waiting: { $oldest }
    <b>Credits, all time</b>: sold { $sold } · spent { $spent } · refunded { $refunded }
    <b>Revenue, all time</b>: { $revenue }
adm-none = none
adm-button-find = 🔎 Find a user
adm-button-failed = ⚠️ Failed jobs
adm-button-broadcast = 📣 Broadcast
adm-button-fileid = 📎 File ids
adm-button-refresh = 🔄 Refresh
adm-button-console = 🖥 Console
adm-console-link =
    🖥 Your sign-in link to the console:
    { $url }
    It works once, within 10 minutes, in the browser where you open it. Do not forward it: whoever opens it first is signed in as you.
adm-console-no-url = The console is served by this bot's own HTTP server at PUBLIC_BASE_URL, which is not set. Set PUBLIC_BASE_URL (for example https://bot.example.com) in .env and restart the bot.
adm-console-not-admin = The console is only for the bot's administrators.
adm-ask-user = Send a user's Telegram id, internal id or @username.
adm-not-found = Nobody found for “{ $query }”.
adm-found-many = Found { $count }; pick one:
adm-user =
    <b>{ $name }</b> { $username }
    Telegram id <code>{ $tgId }</code> · id { $id } · language { $lang }
    Balance: <b>{ $balance }</b> { $balance ->
        [one] credit
       *[other] credits
    }
    Joined { $created } · last active { $active }
    Referral code { $code }{ $referredBy }
    { $status }
adm-user-referred = · invited by id { $by }
adm-user-ok = ✅ Active
adm-user-blocked = 🚫 Blocked by an admin
adm-user-bot-blocked = 📵 Blocked the bot { $at }
adm-button-grant = ➕ Grant credits
adm-button-deduct = ➖ Deduct credits
adm-button-block = 🚫 Block
adm-button-unblock = ✅ Unblock
adm-button-ledger = 📒 Ledger
adm-button-jobs = 🎬 Jobs
adm-ask-amount-grant = How many credits to grant to { $name }? Send a whole number.
adm-ask-amount-deduct = How many credits to take from { $name }? Send a whole number.
adm-bad-amount = Send a whole number from 1 to 100000, or /cancel.
adm-ask-reason = Why? Send a short reason for the ledger (up to 200 characters).
adm-bad-reason = Send a reason as text, 1 to 200 characters, or /cancel.
adm-granted = ➕ { $amount } { $amount ->
        [one] credit
       *[other] credits
    } granted to { $name }. Balance: { $balance }.
adm-deducted = ➖ { $amount } { $amount ->
        [one] credit
       *[other] credits
    } taken from { $name }. Balance: { $balance }.
adm-deduct-short = { $name } has only { $balance } { $balance ->
        [one] credit
       *[other] credits
    }; nothing was taken. Deduct at most { $balance }.
adm-blocked-done = 🚫 { $name } is blocked.
adm-unblocked-done = ✅ { $name } is unblocked.
adm-ledger-title = <b>Ledger of { $name }</b> (last { $count }):
adm-ledger-empty = No ledger entries.
adm-jobs-title = <b>Jobs of { $name }</b> (last { $count }):
adm-jobs-empty = No jobs.
adm-failed-title = <b>Failed jobs</b> (last { $count }):
adm-payments-title = <b>Payments of { $name }</b> (last { $count }):
adm-payments-empty = No payments.
adm-job =
    <b>Job #{ $id }</b> · { $status } · { $template } · { $created }
    User id { $userId } · attempts { $attempts } · charged { $charged }{ $refunded }
    Step: { $step }
    Error: { $error }
adm-job-refunded = · refunded
adm-job-no-error = —
adm-button-retry = 🔁 Retry
adm-button-retry-free = 🔁 Retry free
adm-button-refund-job = ↩️ Refund credits
adm-job-requeued = 🔁 Job #{ $id } is back in the queue.
adm-job-not-requeued = Job #{ $id } cannot be retried: only a failed job with a product photo can (jobs imported from the old bot cannot).
adm-job-refund-done = ↩️ Credits of job #{ $id } returned. User balance: { $balance }.
adm-job-refund-refused = No refund for job #{ $id }: { $reason }.
adm-refund-reason-already_refunded = already refunded
adm-refund-reason-not_failed = the job has not failed
adm-refund-reason-not_found = no such job
adm-refund-reason-nothing_charged = nothing was charged
adm-button-refund-payment = ↩️ Refund #{ $id }
adm-refund-confirm = Refund payment #{ $id } ({ $amount }) to { $name } and take back { $credits } { $credits ->
        [one] credit
       *[other] credits
    }?
adm-button-confirm-refund = ✅ Yes, refund
adm-refund-done = ↩️ Payment #{ $id } refunded. Credits taken back: { $taken } of { $credits }. Balance: { $balance }.
adm-refund-short = ⚠️ The user had spent part of them: balance stays at 0 instead of going negative.
adm-refund-already = Payment #{ $id } was already refunded.
adm-refund-not-stars = Payment #{ $id } was made in { $currency }: refund it in the payment provider's dashboard.
adm-refund-failed = Telegram refused the refund: { $detail }
adm-fileid-on = Send photos, videos, GIFs, documents or stickers: I reply with their file_id. Press Done when finished.
adm-fileid-done = 📎 File id mode is off.
adm-fileid = { $kind }: <code>{ $fileId }</code>
adm-button-done = ✅ Done
adm-bc-audience = Who gets the broadcast?
adm-bc-all = 👥 All users
adm-bc-active = 🔥 Active in 7 days
adm-bc-ask = Send the broadcast message: text, or a photo with a caption. Formatting is kept.
adm-bc-bad = Send text or one photo with a caption, or /cancel.
adm-bc-preview = ⬆️ This is how it will look. Send it to { $audience }?
adm-bc-audience-all = all users
adm-bc-audience-active = users active in 7 days
adm-bc-send = 📣 Send
adm-bc-cancelled = Broadcast cancelled.
adm-bc-started = 📣 Broadcast #{ $id } is starting…
adm-bc-progress = 📣 Broadcast #{ $id }: { $done } of { $total } · sent { $sent } · failed { $failed } · blocked the bot { $blocked }
adm-bc-done = ✅ Broadcast #{ $id } finished: { $total } recipients · sent { $sent } · failed { $failed } · blocked the bot { $blocked }
adm-bc-not-draft = This broadcast was already started or cancelled.
adm-cancelled = Cancelled.
adm-commands-admin = Admin panel

## Job statuses, payment states and ledger reasons, as the admin screens show them
adm-status-queued = queued
adm-status-processing = processing
adm-status-succeeded = succeeded
adm-status-failed = failed
adm-payment-refunded = refunded { $at }
adm-reason-signup_bonus = signup bonus
adm-reason-job_charge = video ordered
adm-reason-refund = failed video refunded
adm-reason-payment = purchase
adm-reason-payment_refund = payment refunded
adm-reason-admin_grant = granted by an admin
adm-reason-admin_deduct = deducted by an admin
adm-reason-referral_bonus = referral bonus
adm-reason-import = imported from the old bot
adm-reason-promo = promo code

## Promo codes
adm-button-promo = 🎟 Promo codes
adm-promo-title = <b>Promo codes</b> (newest { $count }):
adm-promo-empty = No promo codes yet.
adm-promo-until = until { $date }
adm-promo-state-active = ✅ active
adm-promo-state-disabled = ⛔ off
adm-promo-state-expired = ⌛ expired
adm-promo-state-used_up = 🔚 used up
adm-promo-button-new = ➕ New code
adm-promo-button-disable = ⛔ Turn off { $code }
adm-promo-button-enable = ✅ Turn on { $code }
adm-promo-ask =
    Send the new code in one line: “CODE CREDITS PEOPLE DAYS”
    For example “SPRING25 5 100 30”: 5 credits each for up to 100 people, for 30 days. PEOPLE 0: any number; DAYS 0 or left out: no end. Each person can use a code once.
adm-promo-bad-format = Send one line: <code>CODE CREDITS PEOPLE DAYS</code> with whole numbers, e.g. <code>SPRING25 5 100 30</code>, or /cancel.
adm-promo-bad-code = “{ $code }” cannot be a code: 3 to 32 Latin letters, digits, “-” or “_”. Send the line again, or /cancel.
adm-promo-bad-credits = Credits: a whole number from 1 to 1000. Send the line again, or /cancel.
adm-promo-bad-uses = People: 0 (any number) or a whole number up to 1000000. Send the line again, or /cancel.
adm-promo-bad-expiry = Days: 0 (no end) or a whole number from 1 to 3650. Send the line again, or /cancel.
adm-promo-bad-note = The note is too long. Send the line again, or /cancel.
adm-promo-exists = Code { $code } already exists: pick another name, or /cancel.
adm-promo-created =
    🎟 Created: { $line }
    Link: { $link }
    Sellers can also send /promo with the code, or use the Promo code button in My account.
adm-promo-disabled = Code { $code } is turned off.
adm-promo-enabled = Code { $code } is turned on.
adm-promo-missing = There is no code { $code }.

## The margin in the totals (src/admin/costs.ts)
adm-margin = <b>Margin, { $days } days</b> · average price of a credit: { $perCredit }
adm-margin-no-sales = none yet (nothing sold)
adm-margin-empty = No videos made in these days.
adm-margin-line = · { $template }: { $count } { $count ->
        [one] video
       *[other] videos
    } · revenue { $revenue } · cost { $cost } · margin { $margin }
adm-margin-unpriced = ⚠️ No cost recorded for { $models }: record what a video (or a second) costs you with <code>neurocards costs set</code>.
adm-margin-currencies = ⚠️ Revenue and costs are in different currencies: record the costs in { $currency } to see the margin.
