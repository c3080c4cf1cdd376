"""Every word a report, table or map shows, in English and Spanish.

``words(lang)`` gives the phrases, ``column_label(column, lang)`` the heading of
a result column, ``class_label(road_class, lang)`` a road class. Writers pass
``lang`` down; nothing a person reads is spelled anywhere else.
"""

from __future__ import annotations

from corredor.errors import CorredorError

__all__ = ["COLUMNS", "LANGUAGES", "ROAD_CLASSES", "WORDS", "cell", "class_label", "column_label",
           "format_cell", "words"]

LANGUAGES = ("en", "es")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "lang": "en",
        "horizon": "Horizon {days} days.",
        "years": "{runs:,} simulated years of {days} days (seed {seed}).",
        "headline": "Headline",
        "kpi": "KPI",
        "value": "value",
        "extra_cost": "extra generalised cost over the horizon (USD)",
        "per_day": "extra cost per disrupted day (USD)",
        "truck_hours": "extra truck-hours",
        "truck_km": "extra truck-km",
        "unmet": "unmet truck-days (beyond the baseline)",
        "baseline_unmet": "unmet in the baseline (trucks/day)",
        "delayed": "cargo value delayed (USD)",
        "over90": "most edges over 90 % capacity on a day (baseline)",
        "disruptions": "Disruptions",
        "diverted": "Links taking the diverted trucks (worst day)",
        "bottlenecks": "Bottlenecks on the worst day (new ones first)",
        "od": "Most affected OD pairs (worst day)",
        "facilities": "Crossings and ports whose flow changed (worst day, trucks/day)",
        "mc": "Monte Carlo: per simulated year",
        "mc_events": "Events drawn, by kind",
        "mc_links": "Links with the highest expected extra cost per year",
        "maps": "Maps",
        "sources": "Data sources",
        "none": "None.",
        "screening": "screening-grade: stylised flood zones, not a hazard model",
        "input": "input",
        "source": "source",
        "grade": "grade",
        "reference": "reference data",
        "sort_hint": "Click a column heading to sort.",
        "fig_flow": "Flow change on the worst day",
        "fig_timeline": "Extra cost and unmet trucks per day",
        "fig_exceedance": "Monte Carlo exceedance",
        "fig_expected": "Expected extra cost per year by link",
        "longitude": "longitude",
        "latitude": "latitude",
        "network_title": "corredor network by road class",
        "bridge": "bridge",
        "seaport": "seaport",
        "more_trucks": "more trucks",
        "fewer_trucks": "fewer trucks",
        "closed_links": "closed ({n} links)",
        "flow_title": "flow change on the worst day (line width: up to {scale:,.0f} trucks/day)",
        "width_key": "line width",
        "trucks_day": "trucks/day",
        "day": "day",
        "extra_cost_k": "extra cost (USD thousand)",
        "unmet_per_day": "unmet trucks/day",
        "exceed_cost": "extra generalised cost per year (USD million)",
        "exceed_unmet": "unmet truck-days per year",
        "exceed_probability": "annual exceedance probability",
        "mc_years": "{runs} Monte Carlo years",
        "expected_title": "expected extra cost per simulated year, by link (width: up to "
                          "{scale:,.0f} USD)",
        "inset": "disrupted area",
        "abroad": "outside Mexico: stylised, not ranked",
        "other_costly": "other links whose closure costs",
        "top_links": "top {top} links (number = rank)",
        "crossing_impact": "border crossing (size = impact)",
        "min_cut": "min cut {name}: {n:.0f} links",
        "criticality_title": "Link criticality: extra generalised cost + cargo delay per day of "
                             "closure (USD)\nline width up to {scale:,.0f} USD/day; grey: closing "
                             "it affects no modelled trip",
        "shared_links": "shared links ({n})",
        "shared_critical": "shared critical links ({n})",
        "routes_title": "{name}: routes to {buyer}\nrecommended: {split}",
        "yes": "yes",
        "no": "no",
        "kind_crossing": "crossing",
        "kind_port": "port",
        "kind_flood": "flood",
        "kind_bridge failure": "bridge failure",
        "src_network": "network",
        "src_demand": "demand",
        "src_crime": "cargo theft",
        "src_flood": "flood",
        "grade_screening": "screening",
        "grade_none": "none",
        "grade_user raster": "user raster",
    },
    "es": {
        "lang": "es",
        "horizon": "Horizonte de {days} días.",
        "years": "{runs:,} años simulados de {days} días (semilla {seed}).",
        "headline": "Resultados principales",
        "kpi": "Indicador",
        "value": "valor",
        "extra_cost": "costo generalizado adicional en el horizonte (USD)",
        "per_day": "costo adicional por día con interrupción (USD)",
        "truck_hours": "horas-camión adicionales",
        "truck_km": "camiones-km adicionales",
        "unmet": "camiones-día sin ruta (además de la base)",
        "baseline_unmet": "sin ruta en la base (camiones/día)",
        "delayed": "valor de carga retrasada (USD)",
        "over90": "máximo de tramos sobre 90 % de capacidad en un día (base)",
        "disruptions": "Interrupciones",
        "diverted": "Tramos que reciben los camiones desviados (peor día)",
        "bottlenecks": "Cuellos de botella en el peor día (nuevos primero)",
        "od": "Pares origen-destino más afectados (peor día)",
        "facilities": "Cruces y puertos cuyo flujo cambió (peor día, camiones/día)",
        "mc": "Monte Carlo: por año simulado",
        "mc_events": "Eventos sorteados, por tipo",
        "mc_links": "Tramos con el mayor costo adicional esperado por año",
        "maps": "Mapas",
        "sources": "Fuentes de datos",
        "none": "Ninguno.",
        "screening": "nivel de tamizaje: zonas de inundación estilizadas, no un modelo de peligro",
        "input": "insumo",
        "source": "fuente",
        "grade": "nivel",
        "reference": "datos de referencia",
        "sort_hint": "Haga clic en el encabezado de una columna para ordenar.",
        "fig_flow": "Cambio de flujo en el peor día",
        "fig_timeline": "Costo adicional y camiones sin ruta por día",
        "fig_exceedance": "Monte Carlo: probabilidad de excedencia",
        "fig_expected": "Costo adicional esperado por año, por tramo",
        "longitude": "longitud",
        "latitude": "latitud",
        "network_title": "red de corredor por tipo de vía",
        "bridge": "puente",
        "seaport": "puerto marítimo",
        "more_trucks": "más camiones",
        "fewer_trucks": "menos camiones",
        "closed_links": "cerrados ({n} tramos)",
        "flow_title": "cambio de flujo en el peor día (ancho de línea: hasta {scale:,.0f} "
                      "camiones/día)",
        "width_key": "ancho de línea",
        "trucks_day": "camiones/día",
        "day": "día",
        "extra_cost_k": "costo adicional (miles de USD)",
        "unmet_per_day": "camiones/día sin ruta",
        "exceed_cost": "costo generalizado adicional por año (millones de USD)",
        "exceed_unmet": "camiones-día sin ruta por año",
        "exceed_probability": "probabilidad anual de excedencia",
        "mc_years": "{runs} años de Monte Carlo",
        "expected_title": "costo adicional esperado por año simulado, por tramo (ancho: hasta "
                          "{scale:,.0f} USD)",
        "inset": "zona afectada",
        "abroad": "fuera de México: estilizado, sin rango",
        "other_costly": "otros tramos cuyo cierre cuesta",
        "top_links": "los {top} tramos principales (número = rango)",
        "crossing_impact": "cruce fronterizo (tamaño = impacto)",
        "min_cut": "corte mínimo {name}: {n:.0f} tramos",
        "criticality_title": "Criticidad de tramos: costo generalizado adicional + retraso de "
                             "carga por día de cierre (USD)\nancho de línea hasta {scale:,.0f} "
                             "USD/día; gris: su cierre no afecta ningún viaje modelado",
        "shared_links": "tramos compartidos ({n})",
        "shared_critical": "tramos críticos compartidos ({n})",
        "routes_title": "{name}: rutas hacia {buyer}\nrecomendado: {split}",
        "yes": "sí",
        "no": "no",
        "kind_crossing": "cruce",
        "kind_port": "puerto",
        "kind_flood": "inundación",
        "kind_bridge failure": "falla de puente",
        "src_network": "red",
        "src_demand": "demanda",
        "src_crime": "robo de carga",
        "src_flood": "inundación",
        "grade_screening": "tamizaje",
        "grade_none": "ninguna",
        "grade_user raster": "ráster del usuario",
    },
}

#: Road classes as a reader says them.
ROAD_CLASSES: dict[str, tuple[str, str]] = {
    "motorway": ("motorway (cuota)", "autopista de cuota"),
    "trunk": ("trunk (4-lane libre)", "troncal libre de 4 carriles"),
    "primary": ("primary (2-lane libre)", "federal libre de 2 carriles"),
    "secondary": ("secondary (state road)", "carretera estatal"),
    "tertiary": ("tertiary", "terciaria"),
    "us_highway": ("US interstate", "autopista de EE. UU."),
    "foreign_highway": ("Guatemalan highway", "carretera de Guatemala"),
    "border": ("border crossing", "cruce fronterizo"),
    "port_access": ("port access", "acceso a puerto"),
    "connector": ("connector", "conector"),
}

#: Result columns as table headings: (English, Spanish).
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("name", "nombre"),
    "ref": ("road", "carretera"),
    "road_class": ("class", "tipo de vía"),
    "edge_id": ("edge", "tramo"),
    "link_id": ("link", "tramo"),
    "baseline_flow_trucks_day": ("baseline trucks/day", "camiones/día base"),
    "disrupted_flow_trucks_day": ("worst-day trucks/day", "camiones/día peor día"),
    "flow_change_trucks_day": ("change trucks/day", "cambio camiones/día"),
    "baseline_utilisation": ("baseline utilisation", "utilización base"),
    "disrupted_utilisation": ("worst-day utilisation", "utilización peor día"),
    "newly_over_90pct": ("new bottleneck", "cuello nuevo"),
    "bottleneck_price_usd": ("bottleneck price USD/day", "precio del cuello USD/día"),
    "origin_name": ("origin", "origen"),
    "destination_name": ("destination", "destino"),
    "segment": ("segment", "segmento"),
    "trucks_day": ("trucks/day", "camiones/día"),
    "baseline_cost_usd_per_truck": ("baseline USD/truck", "USD/camión base"),
    "disrupted_cost_usd_per_truck": ("worst-day USD/truck", "USD/camión peor día"),
    "unmet_trucks_day": ("unmet trucks/day", "camiones/día sin ruta"),
    "facility": ("crossing or port", "cruce o puerto"),
    "kind": ("kind", "tipo"),
    "baseline": ("baseline", "base"),
    "worst_day": ("worst day", "peor día"),
    "start_day": ("start day", "día de inicio"),
    "days": ("days", "días"),
    "recovery_days": ("recovery days", "días de recuperación"),
    "kpi": ("KPI", "indicador"),
    "mean": ("mean", "media"),
    "p50": ("P50", "P50"),
    "p90": ("P90", "P90"),
    "p99": ("P99", "P99"),
    "mean_events_per_run": ("events per year", "eventos por año"),
    "share_of_runs": ("share of years", "proporción de años"),
    "expected_extra_cost_usd": ("expected extra cost USD/year", "costo adicional esperado "
                                "USD/año"),
    "expected_unmet_truck_days": ("expected unmet truck-days/year", "camiones-día sin ruta "
                                  "esperados/año"),
    "expected_disrupted_days": ("expected disrupted days/year", "días afectados esperados/año"),
    # KPI names in the Monte Carlo table
    "extra_cost_usd": ("extra cost (USD)", "costo adicional (USD)"),
    "extra_truck_hours": ("extra truck-hours", "horas-camión adicionales"),
    "extra_truck_km": ("extra truck-km", "camiones-km adicionales"),
    "unmet_truck_days": ("unmet truck-days", "camiones-día sin ruta"),
    "cargo_value_delayed_usd": ("cargo value delayed (USD)", "valor de carga retrasada (USD)"),
    "disrupted_days": ("disrupted days", "días con interrupción"),
    "events": ("events", "eventos"),
}


def words(lang: str) -> dict[str, str]:
    """The phrases of one language.

    Parameters
    ----------
    lang : {"en", "es"}
        The language.

    Returns
    -------
    dict

    Raises
    ------
    CorredorError
        An unknown language.
    """
    if lang not in WORDS:
        raise CorredorError(f"language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return WORDS[lang]


def column_label(column: str, lang: str) -> str:
    """A column's heading (its own name when it has no label).

    Parameters
    ----------
    column : str
        A result column or KPI name.
    lang : {"en", "es"}
        The language.

    Returns
    -------
    str
    """
    labels = COLUMNS.get(column)
    return column if labels is None else labels[LANGUAGES.index(words(lang)["lang"])]


def class_label(road_class: str, lang: str) -> str:
    """A road class as a reader says it.

    Parameters
    ----------
    road_class : str
        A ``road_class`` value.
    lang : {"en", "es"}
        The language.

    Returns
    -------
    str
    """
    labels = ROAD_CLASSES.get(road_class)
    return road_class if labels is None else labels[LANGUAGES.index(words(lang)["lang"])]


def format_cell(value: object) -> str:
    """A table cell for Markdown and HTML: blank for None, floats with 2 decimals.

    Parameters
    ----------
    value : object
        A JSON scalar.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def cell(column: str, value: object, lang: str) -> object:
    """A value as a reader sees it in a table of ``column``: KPI names, kinds, yes/no translated.

    Parameters
    ----------
    column : str
        The column the value is in.
    value : object
        The value (a JSON scalar).
    lang : {"en", "es"}
        The language.

    Returns
    -------
    object
        The value, or its words.
    """
    t = words(lang)
    if column == "kpi" and isinstance(value, str):
        return column_label(value, lang)
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    if column == "kind" and isinstance(value, str):
        return t.get(f"kind_{value}", value)
    return value
