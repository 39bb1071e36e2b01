# The owner's console in the browser (src/console). Plain text: the pages escape every message.

con-nav-overview = Обзор
con-nav-users = Пользователи
con-nav-jobs = Задачи
con-nav-payments = Платежи
con-nav-templates = Шаблоны
con-nav-promos = Промокоды
con-nav-costs = Стоимость моделей
con-nav-broadcasts = Рассылки
con-logout = Выйти
con-lang-switch = English
con-times-in = Время везде: { $zone }

## Signing in
con-login-title = Вход в консоль
con-login-intro = Эта ссылка открывает консоль Neurocards на этом устройстве. Она срабатывает один раз.
con-login-button = Войти
con-link-refused-title = Эта ссылка для входа не работает
con-link-unknown = Ссылка недействительна. Отправьте боту /console, чтобы получить новую.
con-link-used = По этой ссылке уже вошли: каждая ссылка срабатывает один раз. Отправьте боту /console, чтобы получить новую.
con-link-expired = Срок ссылки истёк: она действует 10 минут. Отправьте боту /console, чтобы получить новую.
con-link-not_admin = Эта ссылка выдана тому, кто больше не администратор бота.
con-refused-session-title = Сначала войдите
con-refused-session = Для консоли нужен вход: отправьте боту /console и откройте ссылку из ответа. Ссылку получают только администраторы бота.
con-refused-csrf-title = Форма устарела
con-refused-csrf = Ничего не изменено: форма отправлена не со страницы консоли этого сеанса. Обновите страницу и попробуйте ещё раз.
con-logged-out-title = Вы вышли
con-logged-out = Вы вышли из консоли. Чтобы войти снова, отправьте боту /console.
con-not-found-title = Не найдено

## Notices after an action
con-ok-granted = { $n ->
    [one] Начислен { $n } кредит.
    [few] Начислено { $n } кредита.
   *[many] Начислено { $n } кредитов.
}
con-ok-deducted = { $n ->
    [one] Списан { $n } кредит.
    [few] Списано { $n } кредита.
   *[many] Списано { $n } кредитов.
}
con-ok-repeated = Эта форма уже была отправлена: повторно ничего не изменилось.
con-ok-blocked = Пользователь заблокирован.
con-ok-unblocked = Пользователь разблокирован.
con-ok-retried = Задача снова в очереди.
con-ok-job-refunded = Кредиты за задачу возвращены. Баланс пользователя: { $n }.
con-ok-payment-refunded = { $n ->
    [one] Платёж возвращён; списан { $n } кредит.
    [few] Платёж возвращён; списано { $n } кредита.
   *[many] Платёж возвращён; списано { $n } кредитов.
}
con-ok-payment-already = Этот платёж уже возвращён.
con-ok-broadcast-started = { $n ->
    [one] Рассылка отправляется { $n } пользователю.
   *[many] Рассылка отправляется { $n } пользователям.
}
con-ok-broadcast-cancelled = Черновик рассылки отменён.
con-ok-language = Язык изменён.
con-ok-template-saved = Шаблон сохранён: продавцы видят его сразу.
con-ok-template-created = Шаблон создан: если он включён, продавцы видят его сразу.
con-ok-template-on = Шаблон включён: продавцы могут его выбрать.
con-ok-template-off = Шаблон выключен: продавцы его больше не видят; подтверждённые задачи выполнятся.
con-ok-template-moved = Порядок изменён.
con-ok-templates-imported = { $n ->
    [one] Импортировано: создан или заменён { $n } шаблон.
    [few] Импортировано: создано или заменено { $n } шаблона.
   *[many] Импортировано: создано или заменено { $n } шаблонов.
}
con-ok-promo-created = Промокод создан: он вверху списка.
con-ok-promo-disabled = Промокод выключен: продавцам ответят, что он больше не действует.
con-ok-promo-enabled = Промокод снова включён.
con-ok-cost-saved = Стоимость записана.
con-ok-cost-removed = Стоимость удалена.

## Overview
con-overview-title = Обзор, { $from } – { $to }
con-range-from = С
con-range-to = По
con-range-show = Показать
con-range-last = { $n ->
    [one] последний { $n } день
    [few] последние { $n } дня
   *[many] последние { $n } дней
}
con-range-bad = Такой период не подходит; показаны последние 30 дней.
con-range-long = { $n ->
    [one] Не больше { $n } дня за раз; показаны последние 30 дней.
   *[many] Не больше { $n } дней за раз; показаны последние 30 дней.
}
con-tile-revenue = Выручка (оплачено, без возвратов)
con-tile-orders = Заказано видео
con-tile-success = успешных { $rate }
con-tile-users = Новые пользователи
con-tile-paid = { $n ->
    [one] из них { $n } заплатил
   *[many] из них { $n } заплатили
}
con-tile-queue = Очередь сейчас
con-queue-now = ждут { $queued } · в работе { $processing }
con-queue-oldest = самая старая ждёт с { $at } ({ $minutes } мин)
con-queue-empty = никто не ждёт
con-chart-revenue = Выручка по дням { $currency }
con-chart-revenue-total = { $n ->
    [one] Всего { $total } за { $n } платёж
    [few] Всего { $total } за { $n } платежа
   *[many] Всего { $total } за { $n } платежей
}
con-no-payments = Платежей за этот период нет.
con-chart-orders = Заказы по дням и их исход
con-chart-orders-total = { $n ->
    [one] { $n } заказ · готово { $ok } · ошибок { $bad } · успешных { $rate }
    [few] { $n } заказа · готово { $ok } · ошибок { $bad } · успешных { $rate }
   *[many] { $n } заказов · готово { $ok } · ошибок { $bad } · успешных { $rate }
}
con-series-ordered = заказано
con-series-succeeded = готово
con-series-failed = ошибка
con-series-wait = минуты
con-chart-wait = Ожидание исполнителя (в среднем за день)
con-chart-wait-total = В среднем за период: { $minutes } мин от заказа до начала работы
con-failures-title = Ошибки по классам
con-no-failures = За этот период ошибок нет.
con-funnel-title = Воронка пользователей, пришедших за период
con-funnel-started = Запустили бота
con-funnel-consented = Приняли условия
con-funnel-ordered = Заказали видео
con-funnel-paid = Оплатили
con-sources-title = Источники трафика (параметр /start)
con-source-direct = без параметра
con-source-referral = реферальная ссылка друга
con-no-users = За этот период никто не пришёл.
con-templates-title = Объём и маржа по шаблонам
con-no-jobs = За этот период задач нет.
con-col-error = Класс ошибки
con-col-count = Задач
con-col-share-failures = Доля ошибок
con-col-share-finished = Из завершённых
con-col-source = Источник
con-col-users = Пользователи
con-col-share = Доля
con-col-paid = Оплатили
con-col-conversion = Конверсия
con-col-template = Шаблон
con-col-ordered = Заказано
con-col-credits = Кредиты
con-col-revenue = Выручка (оценка)
con-col-cost = Затраты
con-col-margin = Маржа
con-margin-per-credit = Выручка оценена по средней цене кредита: { $price }. Считаются только сделанные видео; неудачные возвращаются и не оплачиваются.
con-margin-no-sales = Продаж ещё не было: выручки для сравнения с затратами нет.
con-margin-currencies = Маржа показывается, когда выручка шаблона и его затраты в одной валюте; здесь это не так.
con-margin-unpriced = { $n ->
    [one] Не записана стоимость модели { $models }: по её видео маржа не считается.
   *[other] Не записана стоимость моделей { $models }: по их видео маржа не считается.
}

## Users
con-users-search-hint = Telegram id, id или @username
con-users-search = Найти
con-users-found = { $n ->
    [one] По запросу «{ $query }» найден { $n } пользователь
    [few] По запросу «{ $query }» найдено { $n } пользователя
   *[many] По запросу «{ $query }» найдено { $n } пользователей
}
con-users-newest = Новые пользователи
con-users-none = Никого не найдено.
con-col-user = Пользователь
con-col-balance = Баланс
con-col-joined = С нами с
con-col-active = Активность
con-col-consent = Принял условия
con-col-language = Язык
con-col-status = Статус
con-invited-by = пригласил
con-block-confirm = Заблокировать { $name }? Бот будет отвечать только коротким уведомлением.
con-credits-op = Начислить или списать
con-credits-grant = Начислить
con-credits-deduct = Списать
con-credits-amount = Кредиты
con-credits-reason = Причина (сохранится в движениях)
con-credits-apply = Применить
con-bad-amount = Укажите целое число кредитов от 1 до { $max }.
con-bad-reason = Укажите причину, от 1 до { $max } символов.
con-form-stale = Форма устарела: обновите страницу и попробуйте ещё раз.
con-deduct-short = { $balance ->
    [one] Ничего не списано: у пользователя только { $balance } кредит.
    [few] Ничего не списано: у пользователя только { $balance } кредита.
   *[many] Ничего не списано: у пользователя только { $balance } кредитов.
}
con-ledger-title = Движения
con-col-time = Время
con-col-change = Изменение
con-col-reason = Причина
con-col-note = Примечание
con-user-jobs = Задачи

## Jobs
con-any = любой
con-older = Раньше →
con-refunded = возвращено
con-job-error = Ошибка
con-col-attempts = Попыток
con-col-step = Шаг
con-col-provider = Задача у провайдера
con-job-title = Задача #{ $id }
con-job-product = Описание товара
con-job-wishes = Пожелания
con-job-prompt = Промпт
con-job-timeline = Хронология
con-job-result = Результат
con-timeline-created = заказана
con-timeline-started = исполнитель взял в работу
con-timeline-finished = завершена: { $status }
con-timeline-refunded = кредиты возвращены
con-result-none = Результата пока нет.
con-result-gone = Файл результата больше не хранится (удалён через RETENTION_DAYS).
con-result-open = Открыть видео
con-result-expires = { $minutes ->
    [one] (ссылка действует { $minutes } минуту)
    [few] (ссылка действует { $minutes } минуты)
   *[many] (ссылка действует { $minutes } минут)
}
con-refund-job-confirm = { $credits ->
    [one] Вернуть пользователю { $credits } кредит за задачу #{ $id }?
    [few] Вернуть пользователю { $credits } кредита за задачу #{ $id }?
   *[many] Вернуть пользователю { $credits } кредитов за задачу #{ $id }?
}

## Payments
con-payments-paid = оплачены
con-payments-refunded = возвращены
con-col-amount = Сумма
con-col-charge = Платёж в Telegram
con-refund = Вернуть
con-refund-in-provider = возврат в кабинете провайдера
con-refund-confirm = { $credits ->
    [one] Вернуть платёж #{ $id } через Telegram и списать { $credits } кредит?
    [few] Вернуть платёж #{ $id } через Telegram и списать { $credits } кредита?
   *[many] Вернуть платёж #{ $id } через Telegram и списать { $credits } кредитов?
}

## Broadcasts
con-bc-new = Новая рассылка
con-bc-audience = Кому
con-bc-text = Сообщение (простой текст, до 4096 символов)
con-bc-preview = Предпросмотр
con-bc-recent = Последние рассылки
con-bc-none = Рассылок пока не было.
con-bc-title = Рассылка #{ $id }
con-bc-send-confirm = Отправить это сообщение: { $audience }? Отменить отправку будет нельзя.
con-bc-sent = доставлено
con-bc-failed = ошибок
con-bc-blocked = заблокировали бота
con-bc-total = получателей
con-bc-finished = завершена
con-bc-photo = (с фото, отправлена из бота)
con-bc-missing = Такой рассылки нет.
con-bc-bad-text = Напишите сообщение: от 1 до { $max } символов.
con-bc-unavailable = Рассылки отправляет процесс, который получает обновления Telegram; этот — нет.
con-bc-status-draft = черновик
con-bc-status-running = отправляется
con-bc-status-done = завершена
con-bc-status-cancelled = отменена

## Templates
con-tpl-list = Предложение в порядке, который видят продавцы
con-tpl-live = Любое изменение сразу доходит до бота. Уже подтверждённые задачи сохраняют цену, по которой куплены.
con-tpl-new = Новый шаблон
con-tpl-export = Экспорт (JSON)
con-tpl-edit = Шаблон «{ $name }»
con-tpl-missing = Такого шаблона нет.
con-tpl-updated = Изменён { $at }, кем: { $by }
con-tpl-on = включён
con-tpl-off = выключен
con-tpl-switch-on = Включить
con-tpl-switch-off = Выключить
con-tpl-prices = Длительности и цены
con-tpl-length-price = { $seconds } с: { $n ->
    [one] { $n } кредит
    [few] { $n } кредита
   *[many] { $n } кредитов
}
con-tpl-model = Модель
con-tpl-formats = Форматы
con-tpl-photo-shape = по форме фото
con-tpl-broken = Сохранённые шаблоны, не прошедшие проверку (не предлагаются)
con-tpl-id = Идентификатор
con-tpl-id-hint = От 1 до 20 символов a–z, 0–9, «-» и «_»; им шаблон назван в задачах, изменить его потом нельзя.
con-tpl-name = Название
con-tpl-description = Описание
con-tpl-in-en = По-английски
con-tpl-in-ru = По-русски
con-tpl-field-name = Название
con-tpl-field-description = Описание
con-tpl-kind = Вид
con-tpl-kind-ugc = ведущий показывает товар
con-tpl-kind-ad = только товар
con-tpl-kind-own = свой промпт продавца
con-tpl-model-renders = { $lengths } с; { $formats }
con-tpl-length = Длительность
con-tpl-price = Цена в кредитах
con-tpl-seconds = { $seconds } с
con-tpl-price-of = Цена видео на { $seconds } с в кредитах
con-tpl-default = выбрана сразу
con-tpl-rendered-by = Какие модели её делают
con-tpl-formats-hint = Моделям, которые берут форму фото, форматы не нужны.
con-tpl-ask-wishes = Спрашивать пожелания продавца
con-tpl-instructions = Инструкции для автора промпта (длительность и формат ему сообщаются отдельно)
con-tpl-fallback = Промпт на случай, если автор промпта не ответил
con-tpl-enabled = Предлагать продавцам
con-tpl-save = Сохранить
con-tpl-create = Создать
con-tpl-refused = Ничего не сохранено: что исправить — рядом с формой.
con-tpl-bad-id = Идентификатор — от 1 до 20 символов a–z, 0–9, «-» и «_», кроме «new», «export» и «import».
con-tpl-id-taken = Шаблон с идентификатором «{ $id }» уже есть.
con-tpl-bad-kind = Выберите вид шаблона.
con-tpl-need-text = { $lang ->
    [ru] Заполните поле «{ $field }» по-русски.
   *[en] Заполните поле «{ $field }» по-английски.
}
con-tpl-bad-price = Цена { $seconds } с — целое число кредитов, не меньше 1.
con-tpl-no-lengths = Предложите хотя бы одну длительность.
con-tpl-issue-unknown-model = Модели { $model } нет.
con-tpl-issue-twice = Длительность или формат указаны дважды.
con-tpl-issue-length = { $model } делает видео на { $renders } с, а не на { $seconds } с.
con-tpl-issue-no-formats = { $model } берёт форму фото: не отмечайте форматы.
con-tpl-issue-formats-needed = Отметьте форматы ({ $model } делает { $renders }).
con-tpl-issue-format = { $model } не делает формат { $format }.
con-tpl-last-enabled = Это последний предлагаемый шаблон: продавцам нужно из чего выбрать. Сначала включите другой.
con-tpl-import = Импорт
con-tpl-import-how = Вставьте или выберите файл в том виде, в каком его пишет «Экспорт» (или `neurocards templates export`). Его шаблоны создаются или заменяются в его порядке, остальные выключаются — всё или ничего.
con-tpl-import-file = Файл
con-tpl-import-text = Каталог (JSON)
con-tpl-import-button = Импортировать
con-tpl-import-confirm = Сделать этот файл предложением? Шаблоны, которых в нём нет, будут выключены.
con-tpl-import-refused = Ничего не импортировано: в файле такие ошибки.

## Model costs
con-cost-record = Записать стоимость
con-cost-how = Сколько вам стоит одно видео или одна секунда видео модели. Обзор сравнивает это с выручкой от видео каждого шаблона.
con-cost-amount = Цена
con-cost-currency = Валюта
con-cost-per = За
con-cost-per-video = видео
con-cost-per-second = секунду
con-cost-save = Записать
con-cost-recorded = Записанные стоимости
con-cost-none = Стоимости ещё не записаны.
con-cost-missing = { $n ->
    [one] В предложении есть модель без стоимости: { $models }.
   *[other] В предложении есть модели без стоимости: { $models }.
}
con-cost-remove = Удалить
con-cost-remove-confirm = Забыть стоимость { $model }? Пока она не записана, маржа по её видео не считается.
con-cost-bad-model = Выберите модель.
con-cost-bad-amount = Цена — положительное число, не больше { $decimals } знаков после запятой и не больше { $max }, например 0,15.
con-cost-bad-currency = Валюта — трёхбуквенный код: USD, RUB, XTR (звёзды)…
con-cost-bad-unit = Выберите: за видео или за секунду.

## Promo codes
con-promo-new = Новый промокод
con-promo-list = Промокоды, сначала новые
con-promo-how = Продавец вводит код командой /promo КОД, по ссылке рядом с кодом или кнопкой «Промокод» в кабинете — один раз на человека.
con-promo-none = Промокодов пока нет.
con-promo-code = Код
con-promo-code-hint = пусто — сгенерировать
con-promo-credits = Кредиты
con-promo-uses = Человек
con-promo-uses-hint = пусто — без ограничения
con-promo-days = Действует дней
con-promo-days-hint = пусто — бессрочно
con-promo-note = Заметка
con-promo-note-hint = где опубликован
con-promo-create = Создать
con-promo-redemptions = Использован
con-promo-left = Осталось
con-promo-until = Действует до
con-promo-no-expiry = бессрочно
con-promo-link = Ссылка
con-promo-state-active = действует
con-promo-state-disabled = выключен
con-promo-state-expired = истёк
con-promo-state-used_up = исчерпан
con-promo-disable = Выключить
con-promo-enable = Включить
con-promo-disable-confirm = Выключить { $code }? Тем, кто его введёт, ответят, что он больше не действует; выданные кредиты останутся.
con-promo-missing = Кода { $code } нет.
con-promo-bad-code = «{ $code }» не может быть кодом: от 3 до 32 латинских букв, цифр, «-» или «_».
con-promo-bad-credits = Кредиты — целое число от 1 до { $maxCredits }.
con-promo-bad-uses = Человек — пусто (без ограничения) или целое число от 1 до { $maxUses }.
con-promo-bad-expiry = Дней — пусто (бессрочно) или целое число от 1 до { $maxDays }.
con-promo-bad-note = Заметка слишком длинная: не больше { $maxNote } символов.
con-promo-bad-exists = Код { $code } уже есть: выберите другой.
