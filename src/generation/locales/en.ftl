# What the generation pipeline says outside of any update: progress, the delivered video, apologies
# (plain text, no HTML), and the admins' alerts about jobs and kie.ai.

## Progress of one job (edited in place)
gen-script = ✍️ Writing the script for your video…
gen-render = 🎬 Rendering your video, about { $minutes } min. We'll send it here as soon as it's ready.
gen-wait-provider = ⏳ The video service is unavailable right now. Your video stays in the queue and will be made as soon as it's back.
gen-upload = 📤 Uploading your video…
gen-done = ✅ Done!
gen-failed = ❌ This video did not work out — see the message below.

## The result
gen-caption = Your video is ready 🎉
gen-link =
    Your video is ready 🎉
    It is larger than { $limit } MB, so here is a download link:
    { $url }

## Apologies for a failed job (the credits are already back)
gen-credits-back = { $credits ->
    [0] Nothing was charged for this video
    [one] Your credit is back on your balance
   *[other] Your { $credits } credits are back on your balance
}
gen-fail-transient = 😔 We couldn't make the video: the video service did not respond. { gen-credits-back } — please try again a bit later.
gen-fail-content_refused = 😔 The video service refused this photo or description — usually because of people in the photo, someone else's logos or famous characters. { gen-credits-back }. Try a photo of the product alone on a plain background and a description without brand names.
gen-fail-provider_unavailable = 😔 The video service is unavailable right now. { gen-credits-back } — please try later.
gen-fail-unknown = 😔 Something went wrong and the video was not made. { gen-credits-back } — please try again.
gen-fail-deadline = 😔 The video took too long and we stopped the render. { gen-credits-back } — please try again.

## Admin alerts (plain text, in each admin's language)
gen-admin-job-failed =
    ❌ Job #{ $id } failed ({ $errorClass }: { $code }). Template { $template }, user #{ $userId }, { $attempts ->
        [one] { $attempts } attempt
       *[other] { $attempts } attempts
    }. { $refund }
    { $message }
gen-admin-refunded = { $credits ->
    [one] { $credits } credit
   *[other] { $credits } credits
} refunded.
gen-admin-refund-already_refunded = Credits were already refunded.
gen-admin-refund-not_failed = No refund: the job has not failed.
gen-admin-refund-not_found = No refund: the job is gone.
gen-admin-refund-nothing_charged = No refund: nothing was charged.
gen-admin-open-job = 🔎 Open job #{ $id }
gen-admin-kie-unavailable = ⚠️ kie.ai is unavailable ({ $code }): { $message }. Jobs wait and retry.
gen-admin-key-rested-402 = ⚠️ { $label } has no balance left (402). It rests until { $until } UTC; jobs use the other keys or wait.
gen-admin-key-rested-401 = ⚠️ { $label } was rejected (401). It rests until { $until } UTC; jobs use the other keys or wait.
gen-admin-no-kie-keys =
    ⚠️ KIE_API_KEYS is empty: no video can be rendered, so the bot refuses new orders (nothing is charged).
    Add a key from https://kie.ai/api-key to .env and restart; `neurocards doctor` checks it.
