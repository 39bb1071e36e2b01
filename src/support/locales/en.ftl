# The support inbox: what the seller sees (HTML, in the seller's language) and what the admins
# read and get told (HTML, in each admin's language). Variables carrying user text are escaped.

## The seller writes
support-ask =
    💬 <b>Support</b>

    Write your question here: text, a photo, a file or a voice message. A person reads every message and answers in this chat.
    If it is about a video, add its number (for example #41).
support-ask-open = Your request #{ $thread } is open: what you write now is added to it.
support-sent =
    ✅ Sent to support (request #{ $thread }). We'll answer here, in this chat.
    You can add more messages: they go to the same request.
support-not-delivered =
    😔 Your message could not be passed on to support right now (request #{ $thread }). Please try again in a few minutes.
support-limited =
    ⏳ You have sent many messages in a short time, so this one was not passed on. Support has your earlier messages and will answer here.
    You can write again in { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    }.
support-unsupported = This kind of message cannot be passed on. Please send text, a photo, a file, a video or a voice message.
support-left = Done. Support has your messages and will answer here, in this chat.
support-cancelled = Cancelled: nothing was sent to support.
support-external = Support answers at { $url }
support-none = Support is not set up in this bot yet: its owner has not published a contact.
btn-support-done = ✔ That's all
btn-support-reply = 💬 Reply to support

## What the seller gets back
support-answer =
    💬 <b>Support</b> · request #{ $thread }

    { $text }
support-answer-label = 💬 <b>Support</b> · request #{ $thread }
support-closed-seller = ✅ Your request #{ $thread } is closed. If you need anything else, tap “Support” and write again.

## What the admins read
support-adm-title = { $opened ->
    [yes] 📩 <b>Support · new request #{ $thread }</b>
   *[no] 📩 <b>Support · request #{ $thread }</b>
}
support-adm-from = From: { $name } · id <code>{ $id }</code>
support-adm-user-blocked = ⛔ Blocked by an admin: sees nothing but support.
support-adm-balance = Balance: { $balance ->
    [one] { $balance } credit
   *[other] { $balance } credits
}
support-adm-jobs = Last videos:
support-adm-job = #{ $id } · { $status } · { $template }
support-adm-job-failed = #{ $id } · { $status } · { $template } · { $error }
support-adm-no-jobs = No videos yet.
support-adm-status = { $status ->
    [queued] ⏳ queued
    [processing] ⚙️ in progress
    [succeeded] ✅ ready
   *[failed] ❌ failed
}
support-adm-hint = ↩️ Reply to this message to answer the seller.
support-adm-kind = { $kind ->
    [photo] 📷 a photo
    [document] 📎 a file
    [voice] 🎤 a voice message
    [video] 🎬 a video
    [audio] 🎵 an audio
    [animation] 🎞 a GIF
    [sticker] a sticker
    [video_note] 🎥 a video message
    [location] 📍 a location
    [contact] 👤 a contact
   *[other] a message
}
btn-support-close = 🔒 Close request #{ $thread }

## What the admins are told
support-adm-delivered = ✅ Delivered to { $name } (request #{ $thread }).
support-adm-already-sent = This answer was delivered before (request #{ $thread }).
support-adm-seller-blocked-bot = ❌ Not delivered: { $name } has blocked the bot. The answer is saved in request #{ $thread }.
support-adm-not-delivered = ❌ Not delivered to { $name }: Telegram answered “{ $error }”. Please try again later.
support-adm-unsupported = This kind of message cannot be sent to a seller. Send text, a photo, a file, a video or a voice message.
support-adm-missing = This request is no longer in the database.
support-adm-answered =
    ✅ { $admin } answered request #{ $thread } ({ $name }):
    <blockquote>{ $text }</blockquote>
support-adm-closed = 🔒 Request #{ $thread } is closed.
support-adm-closed-by = 🔒 { $admin } closed request #{ $thread } ({ $name }).
support-adm-already-closed = Request #{ $thread } was already closed.
