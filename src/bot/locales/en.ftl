# Neurocards, English. HTML parse mode: every variable that carries user text is escaped by the bot.

credits = { $n ->
    [one] { $n } credit
   *[other] { $n } credits
}
credits-from = from { credits }

## Commands (the command list in the Telegram menu)
cmd-start = Start and main menu
cmd-menu = Main menu
cmd-cancel = Leave the current step
cmd-help = How it works
cmd-promo = Redeem a promo code
cmd-lang = Language / Язык
cmd-terms = Terms of service
cmd-paysupport = Help with a payment
cmd-support = Write to support
cmd-admin = Admin panel
cmd-console = Console in the browser

## Terms and welcome
terms-intro = <b>Neurocards</b> turns one photo of your product into a short vertical video for a marketplace card or reels.
terms-free = You get <b>{ credits }</b> for free to try it.
terms-balance = Your balance: <b>{ credits }</b>.
terms-read-both = Before we start, please read the public offer and the privacy policy and accept them.
terms-read-offer = Before we start, please read the public offer and accept it.
terms-read-privacy = Before we start, please read the privacy policy and accept it.
terms-read-none = Before we start, please read the terms (/terms) and accept them.
terms-full =
    <b>Terms</b>

    • Neurocards makes short AI videos of your product from your photo and description.
    • Videos are paid with credits: one video costs as many credits as its template shows (from { $n ->
        [one] { $n } credit
       *[other] { $n } credits
    }).
    • If a video fails, its credits are refunded automatically.
    • Credits do not expire.
terms-offer = Public offer: { $url }
terms-privacy = Privacy policy: { $url }
paysupport-url =
    Problem with a payment? Write to support: { $url }
    Please add the date and the amount of the payment; your payments are listed in My account → Payments.
paysupport-inbox =
    Problem with a payment? Tap “Support” below (or send /support) and write to us: a person answers here. You can also write to the <a href="tg://user?id={ $id }">bot's owner</a>.
    Please add the date and the amount of the payment; your payments are listed in My account → Payments.
paysupport-none = Problem with a payment? The owner of this bot has not published a support contact yet. Your payments and the credits they brought are listed in My account → Payments.
btn-agree = ✅ I accept
btn-offer = 📄 Public offer
btn-privacy = 🔒 Privacy policy
consent-needed = Please accept the terms first: tap “I accept” below.
welcome =
    Done! Your balance: <b>{ credits }</b>.

    Send a product photo and a description, pick a template, and in a few minutes you get a ready video.
blocked-notice = Access to the bot is restricted. If you think this is a mistake, write to support: /support
blocked-notice-plain = Access to the bot is restricted.

## Main menu
menu = <b>Main menu</b>
    Balance: <b>{ credits }</b>
btn-cabinet = 👤 My account
btn-buy = 💳 Buy credits
btn-help = ❓ Help
help =
    <b>How it works</b>

    1. Send a photo of the product (JPG, PNG or WebP up to 20 MB).
    2. Describe the product: what it is, for whom, its benefits.
    3. Pick a template — a clip as if filmed by a blogger, an ad with a voice-over, cinematic shots of the product, the product in motion, or your own words — and, where it offers several, the length and format.
    4. Confirm — the video arrives in this chat in a few minutes.

    One video costs the template's price in credits. If a video fails, the credits come back automatically.
    /menu — main menu, /cancel — leave the current step, /lang — language, /terms — terms, /support — write to support, /paysupport — help with a payment.
support = Questions, ideas or problems? Write to support: { $url }
support-inbox = Questions, ideas or problems? Tap “Support” below or send /support: a person reads every message and answers here.
support-none = Questions, ideas or problems? The owner of this bot has not published a support contact yet.
cancelled = Cancelled. Here is the menu.
outdated = This menu is outdated: send /menu for a fresh one.
private-only = I work in private chats only. Write to me directly: @{ $bot }
error-generic = Something went wrong, please try again.
unknown = Sorry, I did not understand that. Choose what to do in the menu below.

## Create flow
photo-ask =
    <b>Step 1 of 5 — product photo</b>

    Send one photo of the product:
    • JPG, PNG or WebP, up to 20 MB (as a photo or as a file);
    • no people in the frame;
    • no logos of other brands and no famous characters;
    • good light, plain background, the whole product visible.
photo-expected = Please send a photo of the product (JPG, PNG or WebP up to 20 MB).
photo-not-image = This file is not a JPG, PNG or WebP image. Please send a photo of the product.
photo-too-big = This image is larger than 20 MB. Please send a smaller one (up to 20 MB).
photo-check-problems =
    📷 This photo may not make a good video:
    { $list }

    What works best: a sharp photo with the whole product large in the frame, on a plain background, with no people. Send another photo — or go on with this one: if the video fails, the credits come back automatically.
photo-problem-no_product = • no product can be seen in the photo
photo-problem-people = • there are people or faces in the frame — the video service usually refuses such photos
photo-problem-too_small = • the product takes up too little of the frame, or the photo itself is too small
photo-problem-blurry = • the photo is blurred or too dark
btn-keep-photo = ➡️ Go on with this photo
photo-album-first = 📎 You sent an album: I'm using its first photo — one video is made from one photo.
desc-ask =
    <b>Step 2 of 5 — description</b>

    Describe the product in { $min }–{ $max } characters:
    • what it is and who it is for;
    • 3–5 key benefits;
    • price, material, size — whatever matters.
    You can simply paste the text from the marketplace card.
desc-expected = Please send the product description as text ({ $min }–{ $max } characters).
desc-too-short = Too short: { $len } characters. Please write at least { $min }.
desc-too-long = Too long: { $len } characters. Please keep it within { $max }.
tpl-ask =
    <b>Step 3 of 5 — template</b>

    { $list }
tpl-line = <b>{ $name }</b> — { $description } ({ $seconds } s, { $from ->
    [yes] { credits-from }
   *[no] { credits }
})
tpl-expected = Please pick a template with the buttons above.
dur-ask =
    <b>Step 3 of 5 — length</b>

    “{ $template }”: how long should the video be? Prices are per video.
btn-duration = { $seconds } s · { credits }
dur-expected = Please choose the length with the buttons above.
fmt-ask =
    <b>Step 3 of 5 — format</b>

    “{ $template }”: which format do you need? Vertical suits the product card, Reels and Stories; horizontal suits YouTube and websites.
btn-format = { $format ->
    [vertical] 📱 Vertical 9:16
    [horizontal] 🖥 Horizontal 16:9
   *[square] ⬜ Square 1:1
}
fmt-expected = Please choose the format with the buttons above.
format-name = { $format ->
    [vertical] vertical 9:16
    [horizontal] horizontal 16:9
    [square] square 1:1
   *[photo] as your photo
}
wishes-ask =
    <b>Step 4 of 5 — wishes</b>

    Anything special for the video? Mood, setting, accents, what to say.
    Send your wishes as text, or “-” (“no”) to skip.
wishes-expected = Please send your wishes as text (up to { $max } characters), or “-” (“no”) to skip.
# Answers to the wishes step that mean "none", comma separated (compared trimmed, in any case).
wishes-skip-answers = -, —, –, no, none
btn-skip = Skip
own-ask =
    <b>Step 4 of 5 — your prompt</b>

    Describe in your own words what should happen in the video: the place, the camera's movement, the mood, the actions ({ $min }–{ $max } characters). This description (the prompt) goes to the AI.
    The video starts from your photo: the AI keeps the product close to your photo, but details can differ.
own-review =
    Your prompt:

    <blockquote>{ $prompt }</blockquote>
btn-approve = ✅ Approve
btn-add = ➕ Add to it
btn-replace = ✏️ Replace
own-add-ask = Send what to add to the prompt.
own-replace-ask = Send the new prompt.
own-expected = Please send the prompt as text ({ $min }–{ $max } characters).
own-review-expected = Please use the buttons under your prompt: “Approve”, “Add to it” or “Replace”.
count-ask =
    <b>Step 5 of 5 — how many videos?</b>

    Each video is made with its own script and costs { credits }.
count-balance = Your balance: <b>{ credits }</b>, enough for <b>{ $counts }</b> { $most ->
    [one] video
   *[other] videos
}.
count-balance-none = Your balance: <b>{ credits }</b>, not enough for a video yet — buy credits first.
count-or = { " " }or{ " " }
btn-count = { $count ->
    [one] { $count } video
   *[other] { $count } videos
}
count-expected = Please choose how many videos with the buttons above.
confirm =
    <b>Check and confirm</b>

    Template: <b>{ $template }</b>
    Length: <b>{ $seconds } s</b>
    Format: <b>{ format-name }</b>
    Videos: <b>{ $count }</b>
    Total: <b>{ $total ->
        [one] { $total } credit
       *[other] { $total } credits
    }</b>
    Your balance: <b>{ credits }</b>
btn-confirm = ✅ Confirm
confirm-expected = Please confirm with the button above, or /cancel.
not-enough =
    Not enough credits: this needs <b>{ $required ->
        [one] { $required } credit
       *[other] { $required } credits
    }</b>, your balance is <b>{ credits }</b>.
    Buy <b>{ $missing } more { $missing ->
        [one] credit
       *[other] credits
    }</b>.
not-enough-fewer = Or order fewer videos — your balance covers these:
accepted =
    ✅ Accepted: { $count ->
        [one] your video is
       *[other] { $count } videos are
    } in the queue, position <b>{ $position }</b>, about <b>{ $minutes }</b> min.
    Balance: <b>{ credits }</b>.
accepted-running =
    ✅ Accepted: { $count ->
        [one] your video is
       *[other] { $count } videos are
    } being made, about <b>{ $minutes }</b> min.
    Balance: <b>{ credits }</b>.
service-not-ready =
    ⏳ Video creation is not available yet: the service is still being set up. Nothing was charged.
    Please come back a bit later.
service-paused =
    ⏳ The video service is paused right now. Nothing was charged.
    It should be back in about <b>{ $hours ->
        [0] { $minutes } min
       *[other] { $hours } h
    }</b>: tap “Confirm” again then.
already-accepted = This order is already accepted and being made.
mid-flow-command = You are in the middle of creating a video. { $expected } Or /cancel to leave.

## My account (the cabinet)
cabinet =
    <b>My account</b>
    Balance: <b>{ credits }</b>
    Videos ordered: { $jobs }
cabinet-empty = No videos yet.
cabinet-page = Page { $page } of { $pages }
job-line = #{ $id } · { $status } · { $date } · { $template }
job-detail =
    <b>Video #{ $id }</b>
    Template: { $template }
    Status: { $status }
    Ordered: { $date }
    Product: { $product }
status-queued = ⏳ in queue
status-processing = ⚙️ in progress
status-succeeded = ✅ ready
status-failed = ❌ failed
btn-resend = 📥 Send the video again
btn-repeat = 🔁 Repeat this order
btn-prev = ←
btn-next = →
btn-referral = 🎁 Invite friends
btn-promo = 🎟 Promo code
resend-missing = This video is no longer available.
resend-caption = Video #{ $id }
payments =
    <b>Payments</b>
    { $list }
payments-empty = No payments yet.
payment-line = { $date } · +{ credits } · { $price }{ $refunded }
payment-refunded = { " " }(refunded)
btn-ledger = 📒 Credit history
job-why-transient = Why it failed: the video service did not answer.
job-why-content_refused = Why it failed: the video service refused the photo or the description — usually because of people in the frame, other brands' logos or famous characters. Try a photo of the product alone on a plain background.
job-why-provider_unavailable = Why it failed: the video service was unavailable.
job-why-deadline = Why it failed: the video took too long, so we stopped it.
job-why-unknown = Why it failed: an unexpected error while making the video.
job-refunded = ↩️ { credits } returned to your balance on { $date }.
job-refund-pending = ↩️ { credits } will come back to your balance automatically within a few minutes.
job-nothing-charged = Nothing was charged for this video.
ledger =
    <b>Credit history</b>
    Balance: <b>{ credits }</b>
ledger-empty = No changes to your balance yet.
ledger-page = Page { $page }
ledger-line = { $date } · { $sign }{ credits } · { $reason }
ledger-signup_bonus = welcome gift
ledger-job_charge = video #{ $id } ordered
ledger-refund = refund for video #{ $id }
ledger-payment = credits bought
ledger-payment_refund = payment refunded
ledger-admin_grant = added by the admin
ledger-admin_deduct = taken back by the admin
ledger-referral_bonus = bonus for an invited friend
ledger-import = balance moved from the previous bot
ledger-promo = promo code
referral =
    <b>Invite friends</b>
    Send your friends your link: { $link }
referral-bonus = When a friend you invited buys credits for the first time, you get <b>{ credits }</b>.

## Language
lang-ask = Choose the language:
lang-set = Language: English.
