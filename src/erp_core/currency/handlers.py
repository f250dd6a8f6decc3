"""Handlers of the currency area: the rate table and the exchange-difference accounts."""

from __future__ import annotations

from erp_core.currency.commands import ConfigureCurrency, SetExchangeRate
from erp_core.currency.events import CurrencyConfigured, ExchangeRateSet
from erp_core.currency.rates import RateTable, check_rate, currency_settings, rates_stream
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import chart_of, company_of


@handles(SetExchangeRate)
def set_exchange_rate(cmd: SetExchangeRate, ctx: Context) -> list[str]:
    base = company_of(ctx.uow).base_currency
    if cmd.currency == base:
        raise ValidationError("currency", f"{base} is the base currency: its rate is always 1")
    check_rate(cmd.rate, "rate")
    table = ctx.uow.get(RateTable, rates_stream(cmd.currency))
    table.trigger(
        ctx.event(
            ExchangeRateSet,
            currency=cmd.currency,
            date=cmd.date,
            rate=cmd.rate,
            source=cmd.source,
        )
    )
    return []


@handles(ConfigureCurrency)
def configure_currency(cmd: ConfigureCurrency, ctx: Context) -> list[str]:
    base = company_of(ctx.uow).base_currency
    chart = chart_of(ctx.uow)
    fields = (
        "realised_gain_account",
        "realised_loss_account",
        "unrealised_gain_account",
        "unrealised_loss_account",
    )
    for field in fields:
        account = chart.check_postable(getattr(cmd, field), base, field)
        if not account.is_profit_and_loss:
            raise ValidationError(
                field,
                f"account {account.code!r} ({account.name}) is a balance-sheet account "
                f"({account.type}); exchange differences go to an income or expense account",
            )
    currency_settings(ctx.uow).trigger(
        ctx.event(
            CurrencyConfigured,
            keep_revaluation=cmd.keep_revaluation,
            **{f: getattr(cmd, f) for f in fields},
        )
    )
    return []
