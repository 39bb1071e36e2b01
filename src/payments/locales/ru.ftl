pay-buy-title = <b>Купить кредиты</b>
pay-buy-text =
    Видео оплачиваются кредитами: сколько стоит видео, написано у каждого шаблона. Кредиты не сгорают.
    Ваш баланс: <b>{ $balance ->
        [one] { $balance } кредит
        [few] { $balance } кредита
       *[many] { $balance } кредитов
    }</b>.
    Выберите пакет:
pay-package-button = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } — { $price } ({ $per } за кредит)
pay-invoice-title = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } Neurocards
pay-invoice-description = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } на видео о ваших товарах. Кредиты не сгорают.
pay-invoice-label = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
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
    Баланс: <b>{ $balance ->
        [one] { $balance } кредит
        [few] { $balance } кредита
       *[many] { $balance } кредитов
    }</b>.
pay-receipt-replay =
    Этот платёж уже зачислен.
    Баланс: <b>{ $balance ->
        [one] { $balance } кредит
        [few] { $balance } кредита
       *[many] { $balance } кредитов
    }</b>.
pay-referral-bonus =
    🎁 Приглашённый вами друг совершил первую покупку: +{ $bonus } { $bonus ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
    Баланс: <b>{ $balance ->
        [one] { $balance } кредит
        [few] { $balance } кредита
       *[many] { $balance } кредитов
    }</b>.
pay-pending = ✅ Оплата получена, зачисляем кредиты. Не платите повторно: мы напишем, как только кредиты появятся на балансе.
pay-pending-manual = ✅ Оплата получена. Её нужно проверить вручную: владелец бота уже знает и зачислит кредиты. Не платите повторно.
pay-admin-waiting = ⚠️ Платёж пользователя { $tgId } ({ $price }, charge { $charge }) пришёл, когда база данных не отвечает. Бот повторяет запись и зачислит его, как только база вернётся.
pay-admin-unreadable = ⚠️ У платежа пользователя { $tgId } ({ $price }, charge { $charge }) нечитаемый payload: { $payload }. Зачислите вручную.
pay-admin-reconciled = ⚠️ В Telegram { $count ->
        [one] нашёлся { $count } платёж
        [few] нашлось { $count } платежа
       *[many] нашлось { $count } платежей
    } в Stars, которых не было у бота. Теперь они зачислены, пользователи уведомлены:
pay-admin-reconciled-line = • пользователь { $tgId }: +{ $credits }, charge { $charge }
pay-admin-reconciled-more = …и ещё { $count } (см. журнал).
