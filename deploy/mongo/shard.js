// Generated from db/sharding.py by `jike export-shard-script`; edit that file, not this one.
// Run against a mongos after `jike init-db` made the indexes, with the database in the URI:
//   mongosh "mongodb://mongos:27017/jike" --file deploy/mongo/shard.js
const name = db.getName();
sh.enableSharding(name);
sh.shardCollection(`${name}.stores`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.members`, { merchant_id: 1 });
sh.shardCollection(`${name}.audit_log`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.cards`, { merchant_id: 1 });
sh.shardCollection(`${name}.ledger`, { merchant_id: 1 });
sh.shardCollection(`${name}.count_cards`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.top_up_plans`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.coupon_templates`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.coupons`, { merchant_id: 1 });
sh.shardCollection(`${name}.coupon_packs`, { merchant_id: 1 });
sh.shardCollection(`${name}.coupon_events`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.store_hours`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.staff_schedules`, { merchant_id: 1 });
sh.shardCollection(`${name}.schedule_exceptions`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.services`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.resources`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.bookings`, { merchant_id: 1 });
sh.shardCollection(`${name}.booking_cells`, { merchant_id: 1 });
sh.shardCollection(`${name}.queue_tickets`, { merchant_id: 1 });
sh.shardCollection(`${name}.queue_counters`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.notifications`, { merchant_id: 1 });
sh.shardCollection(`${name}.subscriptions`, { merchant_id: 1 });
sh.shardCollection(`${name}.birthday_gifts`, { merchant_id: 1 });
sh.shardCollection(`${name}.referral_bindings`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.shareholder_programs`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.shareholders`, { merchant_id: 1 });
sh.shardCollection(`${name}.commission_orders`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.commissions`, { merchant_id: 1 });
sh.shardCollection(`${name}.commission_accounts`, { merchant_id: 1 });
sh.shardCollection(`${name}.commission_ledger`, { merchant_id: 1 });
sh.shardCollection(`${name}.catalog_items`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.orders`, { merchant_id: 1 });
sh.shardCollection(`${name}.pay_requests`, { merchant_id: 1 });
sh.shardCollection(`${name}.payouts`, { merchant_id: 1 });
sh.shardCollection(`${name}.payout_runs`, { merchant_id: 1 });
sh.shardCollection(`${name}.alerts`, { merchant_id: 1 });
sh.shardCollection(`${name}.privacy_policies`, { merchant_id: 1 });
sh.shardCollection(`${name}.privacy_consents`, { merchant_id: 1 });
sh.shardCollection(`${name}.member_data_requests`, { merchant_id: 1 });
sh.shardCollection(`${name}.member_data_files`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.report_state`, { merchant_id: 1 });
sh.shardCollection(`${name}.report_applied`, { merchant_id: 1 });
sh.shardCollection(`${name}.report_days`, { merchant_id: 1 });
sh.shardCollection(`${name}.marketing_consents`, { merchant_id: 1 });
sh.shardCollection(`${name}.marketing_slots`, { merchant_id: 1 });
sh.shardCollection(`${name}.marketing_touches`, { merchant_id: 1 });
sh.shardCollection(`${name}.marketing_effects`, { merchant_id: 1 });
sh.shardCollection(`${name}.report_member_months`, { merchant_id: 1 });
sh.shardCollection(`${name}.report_member_last`, { merchant_id: 1 });
sh.shardCollection(`${name}.report_balances`, { merchant_id: 1 });
sh.shardCollection(`${name}.journey_sends`, { merchant_id: 1 });
sh.shardCollection(`${name}.member_facts`, { merchant_id: 1 });
sh.shardCollection(`${name}.segments`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.closed_accounts`, { merchant_id: 1 });
sh.shardCollection(`${name}.access_log`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.campaigns`, { merchant_id: 1, _id: 1 });
sh.shardCollection(`${name}.campaign_sends`, { merchant_id: 1 });
// Kept whole on the primary shard:
//   merchants: the tenants themselves: one small document per merchant, read by _id on every request
//   staff: staff sign in with a phone alone, so a phone is unique across merchants (phone_hash)
//   refresh_tokens: a refresh token arrives alone: its family is found before its merchant is known
//   loyalty_programs: one small document per merchant, its _id the merchant's id
//   outbox: the relay scans every merchant's due entries, and a dedupe key is unique across merchants
//   booking_policies: one small document per merchant, its _id the merchant's id
//   dead_letters: an outbox entry that failed, under the entry's id, retried back into the outbox; few
//   cron_runs: one document per scheduled job and period, across merchants
//   cron_periods: one claim per scheduled job and period, across merchants
//   birthday_gift_settings: one small document per merchant, its _id the merchant's id
//   share_codes: a scanned share code alone names its sharer (the code is the _id), unique everywhere
//   payments: providers' notifications and the active query name a payment by out_trade_no alone
//   refunds: providers' refund notifications name a refund by out_refund_no alone
//   payment_notifications: a provider's event id is unique across merchants: every delivery dedupes on it
//   payout_transfers: WeChat Pay's transfer notifications name a bill by out_bill_no alone
//   payout_quotas: the daily transfer limits of the one WeChat Pay account, counted across merchants
//   payout_schedules: one small document per merchant, its _id the merchant's id
//   alert_rules: one small document per merchant, its _id the merchant's id
//   journey_rules: one small document per merchant, its _id the merchant's id
