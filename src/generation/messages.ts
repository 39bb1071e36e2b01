// What the generation pipeline says to users, in their language. The bot's own texts live in its
// locale files; these are the few the workers send outside of any update.
import type { ErrorClass } from "./errors.ts";

const texts = {
  ru: {
    script: "✍️ Пишем сценарий для видео…",
    render: (m: number) =>
      `🎬 Снимаем видео, это займёт около ${m} мин. Пришлём сюда, как только будет готово.`,
    waitProvider:
      "⏳ Сервис генерации сейчас недоступен. Ваше видео в очереди — сделаем его, как только сервис вернётся.",
    upload: "📤 Загружаем видео…",
    done: "✅ Готово!",
    caption: "Ваше видео готово 🎉",
    link: (url: string) =>
      `Ваше видео готово 🎉\nФайл больше 50 МБ, поэтому вот ссылка для скачивания:\n${url}`,
    again: "🔁 Ещё одно с этим товаром",
    menu: "🏠 Меню",
    fail: {
      transient:
        "😔 Не получилось сделать видео: сервис генерации не отвечал. Кредит вернули на баланс — попробуйте ещё раз чуть позже.",
      content_refused:
        "😔 Сервис генерации отклонил это фото или описание: обычно из-за людей на фото, чужих логотипов или известных персонажей. " +
        "Кредит вернули на баланс. Попробуйте фото только с товаром на нейтральном фоне и описание без брендов.",
      provider_unavailable:
        "😔 Сервис генерации сейчас недоступен. Кредит вернули на баланс — попробуйте позже.",
      unknown:
        "😔 Что-то пошло не так, и видео не получилось. Кредит вернули на баланс — попробуйте ещё раз.",
    } satisfies Record<ErrorClass, string>,
    deadline:
      "😔 Видео готовилось слишком долго, и мы остановили генерацию. Кредит вернули на баланс — попробуйте ещё раз.",
  },
  en: {
    script: "✍️ Writing the script for your video…",
    render: (m: number) =>
      `🎬 Rendering your video, about ${m} min. We'll send it here as soon as it's ready.`,
    waitProvider:
      "⏳ The video service is unavailable right now. Your video stays in the queue and will be made as soon as it's back.",
    upload: "📤 Uploading your video…",
    done: "✅ Done!",
    caption: "Your video is ready 🎉",
    link: (url: string) =>
      `Your video is ready 🎉\nIt's larger than 50 MB, so here is a download link:\n${url}`,
    again: "🔁 Make another with this product",
    menu: "🏠 Menu",
    fail: {
      transient:
        "😔 We couldn't make the video: the video service did not respond. Your credit is back on your balance — please try again a bit later.",
      content_refused:
        "😔 The video service refused this photo or description — usually because of people in the photo, someone else's logos or famous characters. " +
        "Your credit is back on your balance. Try a photo of the product alone on a plain background and a description without brand names.",
      provider_unavailable:
        "😔 The video service is unavailable right now. Your credit is back on your balance — please try later.",
      unknown:
        "😔 Something went wrong and the video was not made. Your credit is back on your balance — please try again.",
    } satisfies Record<ErrorClass, string>,
    deadline:
      "😔 The video took too long and we stopped the render. Your credit is back on your balance — please try again.",
  },
};

export type Messages = (typeof texts)["en"];

export function messages(language: string | null | undefined): Messages {
  return language === "ru" ? texts.ru : texts.en;
}

/** The apology for a failed job: the deadline has its own words, everything else goes by class. */
export function failureText(
  language: string | null | undefined,
  errorClass: ErrorClass,
  code: string,
): string {
  const m = messages(language);
  return code === "deadline" ? m.deadline : m.fail[errorClass];
}
