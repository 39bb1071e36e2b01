# A seller redeeming a promo code (/promo CODE, a t.me/<bot>?start=promo_CODE link, the cabinet's button).

promo-ask = 🎟 Отправьте промокод сообщением, например <code>SPRING25</code>.
promo-redeemed = 🎟 Промокод <b>{ $code }</b> принят: +{ $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Ваш баланс: { $balance } { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
promo-pending = 🎟 Промокод <b>{ $code }</b> даёт { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }: они начислятся, как только вы примете условия ниже.
promo-bad = «{ $code }» — не промокод: код состоит из 3–32 латинских букв, цифр, «-» или «_», например <code>SPRING25</code>. Проверьте и отправьте ещё раз.
promo-unknown = Промокода «{ $code }» нет. Проверьте, нет ли опечатки, и отправьте ещё раз.
promo-already-used = Вы уже использовали промокод <b>{ $code }</b> { $date } и получили { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Каждый код действует один раз для одного человека.
promo-disabled = Промокод <b>{ $code }</b> больше не действует.
promo-expired = Срок действия промокода <b>{ $code }</b> истёк { $date }.
promo-used-up = Промокод <b>{ $code }</b> закончился: все его использования уже разобраны.
