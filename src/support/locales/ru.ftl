# Входящие поддержки: что видит продавец (HTML, на языке продавца) и что читают и получают
# администраторы (HTML, на языке каждого). Переменные с текстом пользователей экранированы.

## Продавец пишет
support-ask =
    💬 <b>Поддержка</b>

    Напишите свой вопрос здесь: текстом, фото, файлом или голосовым. Каждое сообщение читает человек и отвечает в этом чате.
    Если вопрос о видео, укажите его номер (например, #41).
support-ask-open = Ваше обращение #{ $thread } открыто: то, что вы напишете, добавится к нему.
support-sent =
    ✅ Отправлено в поддержку (обращение #{ $thread }). Ответим здесь, в этом чате.
    Можно дописать ещё: сообщения попадут в то же обращение.
support-not-delivered =
    😔 Сейчас не получилось передать сообщение в поддержку (обращение #{ $thread }). Попробуйте, пожалуйста, через несколько минут.
support-limited =
    ⏳ Вы отправили много сообщений за короткое время, поэтому это сообщение не передано. Предыдущие сообщения у поддержки, ответ придёт сюда.
    Написать снова можно через { $minutes ->
        [one] { $minutes } минуту
        [few] { $minutes } минуты
       *[many] { $minutes } минут
    }.
support-unsupported = Такое сообщение передать нельзя. Пришлите текст, фото, файл, видео или голосовое.
support-left = Готово. Ваши сообщения у поддержки, ответ придёт сюда, в этот чат.
support-cancelled = Отменено: в поддержку ничего не отправлено.
support-external = Поддержка отвечает здесь: { $url }
support-none = Поддержка в этом боте пока не настроена: владелец не указал контакт.
btn-support-done = ✔ Это всё
btn-support-reply = 💬 Ответить поддержке

## Что продавец получает в ответ
support-answer =
    💬 <b>Поддержка</b> · обращение #{ $thread }

    { $text }
support-answer-label = 💬 <b>Поддержка</b> · обращение #{ $thread }
support-closed-seller = ✅ Ваше обращение #{ $thread } закрыто. Если понадобится что-то ещё, нажмите «Поддержка» и напишите снова.

## Что читают администраторы
support-adm-title = { $opened ->
    [yes] 📩 <b>Поддержка · новое обращение #{ $thread }</b>
   *[no] 📩 <b>Поддержка · обращение #{ $thread }</b>
}
support-adm-from = От: { $name } · id <code>{ $id }</code>
support-adm-user-blocked = ⛔ Заблокирован администратором: видит только поддержку.
support-adm-balance = Баланс: { $balance ->
    [one] { $balance } кредит
    [few] { $balance } кредита
   *[many] { $balance } кредитов
}
support-adm-jobs = Последние видео:
support-adm-job = #{ $id } · { $status } · { $template }
support-adm-job-failed = #{ $id } · { $status } · { $template } · { $error }
support-adm-no-jobs = Видео пока нет.
support-adm-status = { $status ->
    [queued] ⏳ в очереди
    [processing] ⚙️ делается
    [succeeded] ✅ готово
   *[failed] ❌ не получилось
}
support-adm-hint = ↩️ Ответьте на это сообщение, чтобы ответить продавцу.
support-adm-kind = { $kind ->
    [photo] 📷 фото
    [document] 📎 файл
    [voice] 🎤 голосовое
    [video] 🎬 видео
    [audio] 🎵 аудио
    [animation] 🎞 GIF
    [sticker] стикер
    [video_note] 🎥 видеосообщение
    [location] 📍 геопозиция
    [contact] 👤 контакт
   *[other] сообщение
}
btn-support-close = 🔒 Закрыть обращение #{ $thread }

## Что сообщают администраторам
support-adm-delivered = ✅ Доставлено: { $name } (обращение #{ $thread }).
support-adm-already-sent = Этот ответ уже был доставлен (обращение #{ $thread }).
support-adm-seller-blocked-bot = ❌ Не доставлено: { $name } заблокировал(а) бота. Ответ сохранён в обращении #{ $thread }.
support-adm-not-delivered = ❌ Не доставлено ({ $name }): Telegram ответил «{ $error }». Попробуйте позже.
support-adm-unsupported = Такое сообщение продавцу отправить нельзя. Пришлите текст, фото, файл, видео или голосовое.
support-adm-missing = Этого обращения больше нет в базе.
support-adm-answered =
    ✅ { $admin } ответил(а) на обращение #{ $thread } ({ $name }):
    <blockquote>{ $text }</blockquote>
support-adm-closed = 🔒 Обращение #{ $thread } закрыто.
support-adm-closed-by = 🔒 { $admin } закрыл(а) обращение #{ $thread } ({ $name }).
support-adm-already-closed = Обращение #{ $thread } уже закрыто.
