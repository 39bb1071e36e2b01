pay-buy-title = <b>Buy credits</b>
pay-buy-text =
    Videos are paid with credits: each template shows what its video costs. Credits never expire.
    Your balance: <b>{ $balance ->
        [one] { $balance } credit
       *[other] { $balance } credits
    }</b>.
    Choose a package:
pay-package-button = { $credits } { $credits ->
        [one] credit
       *[other] credits
    } — { $price } ({ $per } per credit)
pay-invoice-title = { $credits } Neurocards { $credits ->
        [one] credit
       *[other] credits
    }
pay-invoice-description = { $credits } { $credits ->
        [one] credit
       *[other] credits
    } for videos of your products. Credits never expire.
pay-invoice-label = { $credits } { $credits ->
        [one] credit
       *[other] credits
    }
pay-decline-invalid = This invoice is not valid. Open “Buy credits” again.
pay-decline-unknown-package = This package is no longer sold. Open “Buy credits” again.
pay-decline-price-changed = The price has changed. Open “Buy credits” again to see the current one.
pay-decline-blocked = Your account is blocked, so payments are not accepted.
pay-decline-error = Payments cannot be checked right now. Please try again in a minute.
pay-decline-no-user = Send /start first, then buy credits.
pay-receipt =
    ✅ Payment received: +{ $credits } { $credits ->
        [one] credit
       *[other] credits
    }.
    Balance: <b>{ $balance ->
        [one] { $balance } credit
       *[other] { $balance } credits
    }</b>.
pay-receipt-replay =
    This payment was already credited.
    Balance: <b>{ $balance ->
        [one] { $balance } credit
       *[other] { $balance } credits
    }</b>.
pay-referral-bonus =
    🎁 A friend you invited made their first purchase: +{ $bonus } { $bonus ->
        [one] credit
       *[other] credits
    }.
    Balance: <b>{ $balance ->
        [one] { $balance } credit
       *[other] { $balance } credits
    }</b>.
pay-pending = ✅ Payment received — crediting it now. Do not pay again: you will get a message as soon as the credits are on your balance.
pay-pending-manual = ✅ Payment received. It needs a manual check: the owner has been told and will add your credits. Do not pay again.
pay-admin-waiting = ⚠️ Payment from user { $tgId } ({ $price }, charge { $charge }) arrived while the database does not answer. It is being retried and will be credited as soon as the database is back.
pay-admin-unreadable = ⚠️ Payment from user { $tgId } ({ $price }, charge { $charge }) has a payload the bot cannot read: { $payload }. Credit it by hand.
pay-admin-reconciled = ⚠️ Telegram had { $count } Stars { $count ->
        [one] payment
       *[other] payments
    } the bot had not recorded. Now credited, and each user told:
pay-admin-reconciled-line = • user { $tgId }: +{ $credits }, charge { $charge }
pay-admin-reconciled-more = …and { $count } more (see the log).
