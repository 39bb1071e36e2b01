# What the generation pipeline says outside of any update: progress, the delivered video, apologies
# (plain text, no HTML), and the admins' alerts about jobs and kie.ai.

## Progress of one job (edited in place)
gen-script = ✍️ Пишем сценарий для видео…
gen-render = 🎬 Создаём видео — это займёт около { $minutes } { $minutes ->
    [one] минуты
   *[other] минут
}. Пришлём его сюда, как только оно будет готово.
gen-wait-provider = ⏳ Сервис генерации сейчас недоступен. Ваше видео в очереди — сделаем его, как только сервис вернётся.
gen-upload = 📤 Загружаем видео…
gen-done = ✅ Готово!
gen-failed = ❌ Это видео не получилось — подробности ниже.

## The result
gen-caption = Ваше видео готово 🎉
gen-link =
    Ваше видео готово 🎉
    Файл больше { $limit } МБ, поэтому вот ссылка для скачивания:
    { $url }

## Apologies for a failed job (the credits are already back)
gen-credits-back = { $credits ->
    [0] Кредиты за это видео не списывались
    [1] Кредит вернули на баланс
    [one] { $credits } кредит вернули на баланс
    [few] { $credits } кредита вернули на баланс
   *[many] { $credits } кредитов вернули на баланс
}
gen-fail-transient = 😔 Не получилось сделать видео: сервис генерации не отвечал. { gen-credits-back } — попробуйте ещё раз чуть позже.
gen-fail-content_refused = 😔 Сервис генерации отклонил это фото или описание: обычно из-за людей на фото, чужих логотипов или известных персонажей. { gen-credits-back }. Попробуйте фото только с товаром на нейтральном фоне и описание без брендов.
gen-fail-provider_unavailable = 😔 Сервис генерации сейчас недоступен. { gen-credits-back } — попробуйте позже.
gen-fail-unknown = 😔 Что-то пошло не так, и видео не получилось. { gen-credits-back } — попробуйте ещё раз.
gen-fail-deadline = 😔 Видео готовилось слишком долго, и мы остановили генерацию. { gen-credits-back } — попробуйте ещё раз.

## Admin alerts (plain text, in each admin's language)
gen-admin-job-failed =
    ❌ Задача #{ $id } не выполнена ({ $errorClass }: { $code }). Шаблон { $template }, пользователь #{ $userId }, { $attempts ->
        [one] { $attempts } попытка
        [few] { $attempts } попытки
       *[many] { $attempts } попыток
    }. { $refund }
    { $message }
gen-admin-refunded = Возвращено { $credits ->
    [one] { $credits } кредит
    [few] { $credits } кредита
   *[many] { $credits } кредитов
}.
gen-admin-refund-already_refunded = Кредиты уже были возвращены.
gen-admin-refund-not_failed = Без возврата: задача не завершилась ошибкой.
gen-admin-refund-not_found = Без возврата: задачи больше нет.
gen-admin-refund-nothing_charged = Без возврата: ничего не списано.
gen-admin-open-job = 🔎 Открыть задачу #{ $id }
gen-admin-kie-unavailable = ⚠️ kie.ai недоступен ({ $code }): { $message }. Задачи ждут и повторятся.
gen-admin-key-rested-402 = ⚠️ На ключе { $label } закончился баланс (402). Ключ не используется до { $until } UTC; задачи идут через другие ключи или ждут.
gen-admin-key-rested-401 = ⚠️ Ключ { $label } отклонён (401). Он не используется до { $until } UTC; задачи идут через другие ключи или ждут.
gen-admin-no-kie-keys =
    ⚠️ KIE_API_KEYS пуст: видео делать нечем, поэтому бот не принимает новые заказы (ничего не списывается).
    Добавьте ключ с https://kie.ai/api-key в .env и перезапустите; `neurocards doctor` его проверит.
