/**
 * Demo data of the identity room: the demo users (db/seed.ts's `DEMO_USERS`, by phone) verified with the
 * sandbox's passing identities, their custody sub-accounts opened at the (sandbox) bank, and one debit
 * card each, bound with the user's own phone as the reserved phone. Idempotent: a verified user, an open
 * account or a bound card is left as it is.
 * @module
 */
import { type Db, transaction } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import type { CustodyGateway } from "../gateways/custody.ts";
import { SANDBOX_IDENTITIES } from "../gateways/identity.ts";
import { bankOfCard, makeCardNumber } from "./bank_bin.ts";
import { cardNumberHash } from "./bank_card.ts";
import { getCustodyAccount, idNumberHash, realNameHash, recordCustodyAccountResult } from "./identity.ts";
import type { Outbox } from "../../db/outbox.ts";

/** The demo cards, one per demo user in `DEMO_USERS` order (Luhn-valid, supported banks). */
export const DEMO_CARDS: readonly string[] = [
  makeCardNumber("622202", "100000000001"), // 中国工商银行
  makeCardNumber("621700", "200000000002"), // 中国建设银行
  makeCardNumber("621483", "3000000003"), // 招商银行 (17 digits)
  makeCardNumber("622848", "400000000004"), // 中国农业银行
  makeCardNumber("621660", "500000000005"), // 中国银行
];

/** What {@link seedIdentities} did. */
export interface IdentitySeedReport {
  verified: number;
  accountsOpened: number;
  cardsBound: number;
}

/** An outbox that publishes nothing (the seed tells nobody). */
const silentOutbox: Outbox = { publish: () => Promise.resolve(null) };

/**
 * Verify, open and bind for each demo user that exists (`phones` in `DEMO_USERS` order). The custody
 * account is opened through the custody gateway itself (the sandbox bank records it), outside any
 * transaction, then recorded as `open`.
 */
export async function seedIdentities(
  sql: Db,
  deps: { pii: PiiCipher; custody: CustodyGateway },
  phones: readonly string[],
): Promise<IdentitySeedReport> {
  const report: IdentitySeedReport = { verified: 0, accountsOpened: 0, cardsBound: 0 };
  for (const [i, phone] of phones.entries()) {
    const identity = SANDBOX_IDENTITIES[i];
    const cardNumber = DEMO_CARDS[i];
    if (!identity || !cardNumber) break;
    const [user] = await sql<{ id: string; verified: boolean }[]>`
      select id, identity_verified_at is not null as verified from users where phone_hash = ${await deps.pii
      .hash(phone)}`;
    if (!user) continue;
    if (!user.verified) {
      const idHash = await idNumberHash(deps.pii, identity.idNumber);
      const realNameEnc = await deps.pii.encrypt(identity.realName);
      const idNumberEnc = await deps.pii.encrypt(identity.idNumber);
      const nameHash = await realNameHash(deps.pii, identity.realName);
      const done = await transaction(sql, async (tx) => {
        const [taken] = await tx`select 1 from users where id_number_hash = ${idHash}`;
        if (taken) return false;
        await tx`
          update users set real_name_enc = ${realNameEnc}, id_number_enc = ${idNumberEnc},
            id_number_hash = ${idHash}, real_name_hash = ${nameHash}, identity_verified_at = now()
          where id = ${user.id} and identity_verified_at is null`;
        await tx`insert into custody_accounts (user_id, status) values (${user.id}, 'opening')
                 on conflict (user_id) do nothing`;
        return true;
      });
      if (!done) continue;
      report.verified++;
    }
    if ((await getCustodyAccount(sql, user.id))?.status !== "open") {
      const opened = await deps.custody.openAccount({
        requestId: `custody-open:${user.id}`,
        userId: user.id,
        realName: identity.realName,
        idNumber: identity.idNumber,
        phone,
      });
      if (opened.ok) {
        await recordCustodyAccountResult(sql, { userId: user.id, result: opened }, { outbox: silentOutbox });
        report.accountsOpened++;
      }
    }
    const cardHash = await cardNumberHash(deps.pii, cardNumber);
    const bank = bankOfCard(cardNumber)!;
    const cardEnc = await deps.pii.encrypt(cardNumber);
    const phoneEnc = await deps.pii.encrypt(phone);
    const bound = await transaction(sql, async (tx) => {
      const [exists] =
        await tx`select 1 from bank_cards where card_number_hash = ${cardHash} and status = 'active'`;
      if (exists) return false;
      const [hasDefault] = await tx`select 1 from bank_cards where user_id = ${user.id} and is_default`;
      await tx`
        insert into bank_cards (user_id, card_number_enc, card_number_hash, card_bin, last4, bank_code, bank_name,
                                reserved_phone_enc, is_default)
        values (${user.id}, ${cardEnc}, ${cardHash}, ${cardNumber.slice(0, 6)}, ${cardNumber.slice(-4)},
                ${bank.code}, ${bank.name}, ${phoneEnc}, ${!hasDefault})`;
      return true;
    });
    if (bound) report.cardsBound++;
  }
  return report;
}
