adm-stats =
    <b>📊 Neurocards — { $date }</b>

    <b>Пользователи</b>: всего { $usersTotal } · новых сегодня { $usersToday } · новых за 7 дней { $usersWeek } · активных за 7 дней { $usersActive }
    <b>Задачи сегодня</b>: { $jobsToday }
    <b>Задачи за 7 дней</b>: { $jobsWeek }
    <b>Доля ошибок за 7 дней</b>: { $failureRate }
    { $failures }
    <b>Очередь</b>: ждут { $queued }, в работе { $processing } · самая старая ждёт: { $oldest }
    <b>Кредиты, всего</b>: продано { $sold } · потрачено { $spent } · возвращено { $refunded }
    <b>Выручка, всего</b>: { $revenue }
adm-none = нет
adm-button-find = 🔎 Найти пользователя
adm-button-failed = ⚠️ Ошибки задач
adm-button-broadcast = 📣 Рассылка
adm-button-fileid = 📎 File id
adm-button-refresh = 🔄 Обновить
adm-button-console = 🖥 Консоль
adm-console-link =
    🖥 Ваша ссылка для входа в консоль:
    { $url }
    Она срабатывает один раз, в течение 10 минут, в том браузере, где вы её откроете. Не пересылайте её: кто откроет первым, войдёт от вашего имени.
adm-console-no-url = Консоль открывается на собственном HTTP-сервере бота по адресу PUBLIC_BASE_URL, а он не задан. Укажите PUBLIC_BASE_URL (например, https://bot.example.com) в .env и перезапустите бота.
adm-console-not-admin = Консоль доступна только администраторам бота.
adm-ask-user = Отправьте Telegram id, внутренний id или @username пользователя.
adm-not-found = По запросу «{ $query }» никого нет.
adm-found-many = Найдено пользователей: { $count }. Выберите:
adm-user =
    <b>{ $name }</b> { $username }
    Telegram id <code>{ $tgId }</code> · id { $id } · язык { $lang }
    Баланс: <b>{ $balance }</b> { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
    С нами с { $created } · активность { $active }
    Реферальный код { $code }{ $referredBy }
    { $status }
adm-user-referred = · пригласил id { $by }
adm-user-ok = ✅ Активен
adm-user-blocked = 🚫 Заблокирован администратором
adm-user-bot-blocked = 📵 Заблокировал бота { $at }
adm-button-grant = ➕ Начислить
adm-button-deduct = ➖ Списать
adm-button-block = 🚫 Заблокировать
adm-button-unblock = ✅ Разблокировать
adm-button-ledger = 📒 Движения
adm-button-jobs = 🎬 Задачи
adm-ask-amount-grant = Сколько кредитов начислить { $name }? Отправьте целое число.
adm-ask-amount-deduct = Сколько кредитов списать у { $name }? Отправьте целое число.
adm-bad-amount = Отправьте целое число от 1 до 100000 или /cancel.
adm-ask-reason = Причина? Коротко, для истории движений (до 200 символов).
adm-bad-reason = Отправьте причину текстом, от 1 до 200 символов, или /cancel.
adm-granted = ➕ { $name }: начислено { $amount } { $amount ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: { $balance }.
adm-deducted = ➖ { $name }: списано { $amount } { $amount ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: { $balance }.
adm-deduct-short = У { $name } только { $balance } { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }; ничего не списано. Можно списать не больше { $balance }.
adm-blocked-done = 🚫 { $name } заблокирован.
adm-unblocked-done = ✅ { $name } разблокирован.
adm-ledger-title = <b>Движения { $name }</b> (последние { $count }):
adm-ledger-empty = Движений нет.
adm-jobs-title = <b>Задачи { $name }</b> (последние { $count }):
adm-jobs-empty = Задач нет.
adm-failed-title = <b>Задачи с ошибкой</b> (последние { $count }):
adm-payments-title = <b>Платежи { $name }</b> (последние { $count }):
adm-payments-empty = Платежей нет.
adm-job =
    <b>Задача #{ $id }</b> · { $status } · { $template } · { $created }
    Пользователь id { $userId } · попыток { $attempts } · списано { $charged }{ $refunded }
    Шаг: { $step }
    Ошибка: { $error }
adm-job-refunded = · возвращено
adm-job-no-error = —
adm-button-retry = 🔁 Повторить
adm-button-retry-free = 🔁 Повторить бесплатно
adm-button-refund-job = ↩️ Вернуть кредиты
adm-job-requeued = 🔁 Задача #{ $id } снова в очереди.
adm-job-not-requeued = Задачу #{ $id } нельзя повторить: только задачу с ошибкой и с фото товара (задачи, перенесённые из старого бота, — нельзя).
adm-job-refund-done = ↩️ Кредиты за задачу #{ $id } возвращены. Баланс пользователя: { $balance }.
adm-job-refund-refused = Возврат по задаче #{ $id } невозможен: { $reason }.
adm-refund-reason-already_refunded = уже возвращено
adm-refund-reason-not_failed = задача не завершилась ошибкой
adm-refund-reason-not_found = нет такой задачи
adm-refund-reason-nothing_charged = ничего не списывалось
adm-button-refund-payment = ↩️ Вернуть #{ $id }
adm-refund-confirm = Вернуть платёж #{ $id } ({ $amount }) пользователю { $name } и списать { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }?
adm-button-confirm-refund = ✅ Да, вернуть
adm-refund-done = ↩️ Платёж #{ $id } возвращён. Списано кредитов: { $taken } из { $credits }. Баланс: { $balance }.
adm-refund-short = ⚠️ Пользователь уже потратил часть: баланс остался 0, а не ушёл в минус.
adm-refund-already = Платёж #{ $id } уже возвращён.
adm-refund-not-stars = Платёж #{ $id } прошёл в { $currency }: верните его в кабинете платёжного провайдера.
adm-refund-failed = Telegram отказал в возврате: { $detail }
adm-fileid-on = Присылайте фото, видео, GIF, документы или стикеры — отвечу их file_id. Нажмите «Готово», когда закончите.
adm-fileid-done = 📎 Режим file id выключен.
adm-fileid = { $kind }: <code>{ $fileId }</code>
adm-button-done = ✅ Готово
adm-bc-audience = Кому отправить рассылку?
adm-bc-all = 👥 Всем
adm-bc-active = 🔥 Активным за 7 дней
adm-bc-ask = Отправьте сообщение для рассылки: текст или фото с подписью. Форматирование сохранится.
adm-bc-bad = Отправьте текст или одно фото с подписью, или /cancel.
adm-bc-preview = ⬆️ Так это увидят получатели. Отправить: { $audience }?
adm-bc-audience-all = всем пользователям
adm-bc-audience-active = активным за 7 дней
adm-bc-send = 📣 Отправить
adm-bc-cancelled = Рассылка отменена.
adm-bc-started = 📣 Рассылка #{ $id } запускается…
adm-bc-progress = 📣 Рассылка #{ $id }: { $done } из { $total } · доставлено { $sent } · ошибок { $failed } · заблокировали бота { $blocked }
adm-bc-done = ✅ Рассылка #{ $id } завершена: получателей { $total } · доставлено { $sent } · ошибок { $failed } · заблокировали бота { $blocked }
adm-bc-not-draft = Эта рассылка уже запущена или отменена.
adm-cancelled = Отменено.
adm-commands-admin = Панель администратора

## Job statuses, payment states and ledger reasons, as the admin screens show them
adm-status-queued = в очереди
adm-status-processing = в работе
adm-status-succeeded = готово
adm-status-failed = ошибка
adm-payment-refunded = возвращён { $at }
adm-reason-signup_bonus = бонус за регистрацию
adm-reason-job_charge = заказ видео
adm-reason-refund = возврат за неудачное видео
adm-reason-payment = покупка
adm-reason-payment_refund = возврат платежа
adm-reason-admin_grant = начислил администратор
adm-reason-admin_deduct = списал администратор
adm-reason-referral_bonus = реферальный бонус
adm-reason-import = перенос из старого бота
adm-reason-promo = промокод

## Promo codes
adm-button-promo = 🎟 Промокоды
adm-promo-title = <b>Промокоды</b> (последние { $count }):
adm-promo-empty = Промокодов пока нет.
adm-promo-until = до { $date }
adm-promo-state-active = ✅ действует
adm-promo-state-disabled = ⛔ выключен
adm-promo-state-expired = ⌛ истёк
adm-promo-state-used_up = 🔚 закончился
adm-promo-button-new = ➕ Новый код
adm-promo-button-disable = ⛔ Выключить { $code }
adm-promo-button-enable = ✅ Включить { $code }
adm-promo-ask =
    Отправьте новый код одной строкой: «КОД КРЕДИТЫ ЛЮДЕЙ ДНЕЙ»
    Например «SPRING25 5 100 30»: по 5 кредитов для 100 человек, на 30 дней. ЛЮДЕЙ 0 — без ограничения; ДНЕЙ 0 или не указано — бессрочно. Каждый человек может использовать код один раз.
adm-promo-bad-format = Отправьте одну строку: <code>КОД КРЕДИТЫ ЛЮДЕЙ ДНЕЙ</code> с целыми числами, например <code>SPRING25 5 100 30</code>, или /cancel.
adm-promo-bad-code = «{ $code }» не подходит для кода: 3–32 латинских буквы, цифры, «-» или «_». Отправьте строку ещё раз или /cancel.
adm-promo-bad-credits = Кредиты: целое число от 1 до 1000. Отправьте строку ещё раз или /cancel.
adm-promo-bad-uses = Людей: 0 (без ограничения) или целое число до 1000000. Отправьте строку ещё раз или /cancel.
adm-promo-bad-expiry = Дней: 0 (бессрочно) или целое число от 1 до 3650. Отправьте строку ещё раз или /cancel.
adm-promo-bad-note = Слишком длинная заметка. Отправьте строку ещё раз или /cancel.
adm-promo-exists = Код { $code } уже есть: выберите другое название или /cancel.
adm-promo-created =
    🎟 Создан: { $line }
    Ссылка: { $link }
    Продавцы также могут отправить /promo с кодом или нажать «Промокод» в кабинете.
adm-promo-disabled = Код { $code } выключен.
adm-promo-enabled = Код { $code } включён.
adm-promo-missing = Кода { $code } нет.

## The margin in the totals (src/admin/costs.ts)
adm-margin = <b>Маржа за { $days } дн.</b> · средняя цена кредита: { $perCredit }
adm-margin-no-sales = пока нет (продаж не было)
adm-margin-empty = За эти дни видео не сделано.
adm-margin-line = · { $template }: { $count } видео · выручка { $revenue } · затраты { $cost } · маржа { $margin }
adm-margin-unpriced = ⚠️ Не указана стоимость для { $models }: запишите, сколько вам стоит видео (или секунда), командой <code>neurocards costs set</code>.
adm-margin-currencies = ⚠️ Выручка и затраты в разных валютах: укажите затраты в { $currency }, чтобы увидеть маржу.
