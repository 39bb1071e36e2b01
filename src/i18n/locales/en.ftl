# Texts shared by every feature: one label per action, whoever shows the button.
# Loaded together with each feature's own file, so a key here must not appear there.

btn-menu = ☰ Menu
btn-back = ← Back
btn-cancel = ✖ Cancel
btn-create = 🎬 Create a video
btn-again = 🔁 Make another with this product
btn-payments = 🧾 Payments
btn-support = 💬 Support
btn-support-url = 🌐 Support contact

## Admin alerts sent by folders without texts of their own (plain text, in each admin's language)
alert-low-disk = ⚠️ Low disk space: { $free } MB free for files ({ $root }), warning threshold { $threshold } MB. Free space or lower RETENTION_DAYS.
