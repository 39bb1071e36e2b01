// The context every bot handler receives, including features from other subsystems (payments,
// admin) that are installed through createBot's `features` and `ungated`.
import type { I18nFlavor } from "@grammyjs/i18n";
import type { Context, SessionFlavor } from "grammy";
import type { User } from "../db/types.ts";

/** Where the user is in the create flow; null when no flow is open. */
export type Step =
  | "photo"
  | "description"
  | "template"
  /** The template offers several lengths: which one, at which price. */
  | "duration"
  /** The template offers several formats (vertical, horizontal, square). */
  | "format"
  | "wishes"
  | "own_prompt"
  | "own_review"
  | "own_add"
  | "count"
  | "confirm";

/** What the user has entered so far in the create flow. */
export interface Draft {
  photoFileId?: string;
  productText?: string;
  template?: string;
  /** Length picked (or the template's only one), in seconds. */
  seconds?: number;
  /** Format picked ("9:16", "16:9", "1:1"); null for a template that keeps the photo's shape. */
  format?: string | null;
  wishes?: string | null;
  ownPrompt?: string;
  count?: number;
  /**
   * The album (media_group_id) this flow already answered: Telegram delivers an album as one
   * message per item, and its other items get no answer of their own (see the create flow).
   */
  album?: string;
  /** The album the product photo was taken from: its other photos are not checked again. */
  albumPhoto?: string;
}

/** Conversation state, stored in the database so a restart mid-flow continues where the user was. */
export interface SessionData {
  step: Step | null;
  draft: Draft;
  /** Increments with every new flow; flow buttons carry it so buttons of an older flow are outdated. */
  flow: number;
  /**
   * The album (media_group_id) the fallback already answered outside a flow: an album arrives as
   * one message per item, and one "I did not understand" is enough for all of them.
   */
  unknownAlbum?: string;
  /** An admin-blocked user got the one notice. */
  blockedNoticeSent?: boolean;
  /** A promo code (src/promo) from a link or /promo, redeemed once the terms are accepted. */
  promoPending?: string;
  /** "Send your promo code" was asked: the next text is the code, until then (epoch ms). */
  promoAskUntil?: number;
  /** Writing to support (src/support): the user's messages go to the support inbox until then (epoch ms). */
  supportUntil?: number;
  /**
   * The album (media_group_id) the user is sending to support: the header each admin got above its
   * first item (admin chat id → message id), so the rest go under it instead of under new headers.
   */
  supportAlbum?: SupportAlbum;
}

/** See SessionData.supportAlbum. */
export interface SupportAlbum {
  group: string;
  thread: number;
  heads: Record<string, number>;
  /** Whether the seller was told the album reached support (told again only if that changes). */
  delivered: boolean;
}

export const initialSession = (): SessionData => ({ step: null, draft: {}, flow: 0 });

export type BotContext = Context &
  SessionFlavor<SessionData> &
  I18nFlavor & {
    /** The sender as stored (created on first contact); set for every update the bot handles. */
    user: User;
  };
