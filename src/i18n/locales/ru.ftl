# Texts shared by every feature: one label per action, whoever shows the button.
# Loaded together with each feature's own file, so a key here must not appear there.

btn-menu = ☰ Меню
btn-back = ← Назад
btn-cancel = ✖ Отмена
btn-create = 🎬 Создать видео
btn-again = 🔁 Ещё видео с этим товаром
btn-payments = 🧾 Платежи
btn-support = 💬 Поддержка
btn-support-url = 🌐 Контакт поддержки

## Admin alerts sent by folders without texts of their own (plain text, in each admin's language)
alert-low-disk = ⚠️ Мало места на диске: для файлов свободно { $free } МБ ({ $root }), порог предупреждения { $threshold } МБ. Освободите место или уменьшите RETENTION_DAYS.
