pay-buy-title = <b>Купить кредиты</b>
pay-buy-text =
    Один кредит — одно видео. Ваш баланс: <b>{ $balance }</b>.
    Выберите пакет:
pay-package-button = { $credits } видео — { $price } ({ $per } за видео)
pay-invoice-title = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } Neurocards
pay-invoice-description = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } на видео для карточек товаров: один кредит — одно видео. Кредиты не сгорают.
pay-invoice-label = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
pay-back-button = « Назад
pay-decline-invalid = Этот счёт недействителен. Откройте «Купить кредиты» ещё раз.
pay-decline-unknown-package = Этот пакет больше не продаётся. Откройте «Купить кредиты» ещё раз.
pay-decline-price-changed = Цена изменилась. Откройте «Купить кредиты» ещё раз, чтобы увидеть текущую.
pay-decline-blocked = Ваш аккаунт заблокирован, оплата не принимается.
pay-decline-error = Сейчас не удаётся проверить оплату. Попробуйте через минуту.
pay-decline-no-user = Сначала отправьте /start, затем купите кредиты.
pay-receipt =
    ✅ Оплата получена: +{ $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
    Баланс: <b>{ $balance }</b>.
pay-receipt-replay =
    Этот платёж уже зачислен.
    Баланс: <b>{ $balance }</b>.
pay-referral-bonus =
    🎁 Приглашённый вами друг совершил первую покупку: +{ $bonus } { $bonus ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
    Баланс: <b>{ $balance }</b>.
pay-create-button = 🎬 Создать видео
pay-pending = ✅ Оплата получена. Кредиты будут зачислены в ближайшее время — мы уже занимаемся этим. Если их не будет в течение часа, напишите в поддержку.
