# A seller redeeming a promo code (/promo CODE, a t.me/<bot>?start=promo_CODE link, the cabinet's button).

promo-ask = 🎟 Send your promo code as a message, for example <code>SPRING25</code>.
promo-redeemed = 🎟 Promo code <b>{ $code }</b> accepted: +{ $credits } { $credits ->
        [one] credit
       *[other] credits
    }. Your balance: { $balance } { $balance ->
        [one] credit
       *[other] credits
    }.
promo-pending = 🎟 Promo code <b>{ $code }</b> gives you { $credits } { $credits ->
        [one] credit
       *[other] credits
    }: they are added as soon as you accept the terms below.
promo-bad = “{ $code }” is not a promo code: a code is 3 to 32 Latin letters, digits, “-” or “_”, like <code>SPRING25</code>. Check it and send it again.
promo-unknown = There is no promo code “{ $code }”. Check it for typos and send it again.
promo-already-used = You already used promo code <b>{ $code }</b> on { $date } and got { $credits } { $credits ->
        [one] credit
       *[other] credits
    }. Each code works once per person.
promo-disabled = Promo code <b>{ $code }</b> is no longer active.
promo-expired = Promo code <b>{ $code }</b> expired on { $date }.
promo-used-up = Promo code <b>{ $code }</b> has run out: every use of it is taken.
