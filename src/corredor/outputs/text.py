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
        "plants_affected": "assembly plants whose parts supply is cut or delayed",
        "plants_losing": "assembly plants building below plan",
        "vehicles_lost": "vehicles not built",
        "plant_days_below": "plant-days below plan",
        "lost_output": "value of the vehicles not built (USD)",
        "vehicles_delayed": "finished vehicles delayed (to the US)",
        "plants": "Assembly plants: production at risk (parts buffers are assumptions)",
        "plant_risk": "Plants at risk: time-to-survive against time-to-recover",
        "disruptions": "Disruptions",
        "diverted": "Links taking the diverted trucks (worst day)",
        "bottlenecks": "Bottlenecks on the worst day (over 90 % of capacity, new ones first)",
        "waits": "Waits at crossings and port gates (minutes per truck)",
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
        "map_run": "Interactive map: the worst day",
        "map_mc": "Interactive map: expected cost per simulated year",
        "map_criticality": "Interactive map: links ranked by impact",
        "map_sourcing": "Interactive map: candidate routes",
        "map_calibration": "Interactive map: modelled against counted trucks",
        "cal_title": "Modelled against counted trucks",
        "cal_fit": "Fit by set",
        "cal_by_class": "{set}: by road class",
        "cal_by_state": "{set}: by state (INEGI code)",
        "cal_crossings": "Border crossings: BTS 2024 northbound trucks/day against the model",
        "cal_ports": "Seaports: landside truck boxes/day (in and out) against the model",
        "cal_scatter": "Modelled against counted trucks/day",
        "cal_note_geh": "GEH = sqrt(2 (M - C)^2 / (M + C)) on design-hour flows (daily x the "
                        "segment's K factor); the usual target is GEH < {target} on 85 % of sites.",
        "cal_note_lp": "The modelled flows are the rerouting LP's baseline on the given "
                       "network and demand.",
        "cal_note_bts": "BTS counts every northbound truck (loaded and empty); the model's "
                        "northbound trucks are its us_export rows.",
        "cal_note_counts": "Counts: SICT / Instituto Mexicano del Transporte, Datos Viales 2025 "
                           "(TDPA 2024), via the CC BY 4.0 compilation iChocko/Datos-Viales-SICT; "
                           "US BTS Border Crossing Entry Data.",
        "set_estimation": "SICT U1 segment counts used in the estimate",
        "set_holdout": "SICT U1 segment counts held out (seeded 20 %)",
        "set_plaza": "SICT U2 toll-plaza movements (never used)",
        "set_crossing": "BTS northbound trucks at the border crossings",
        "set_port": "seaport landside truck boxes/day (TEU-derived, ports.csv)",
        "map_hint": "Tick layers on and off in the panel; hover over or click a line or a point "
                    "for its values.",
        "layer_states": "States",
        "layer_network": "Road network",
        "layer_baseline": "Baseline flow",
        "layer_change": "Flow change on the worst day",
        "layer_closed": "Closed",
        "layer_degraded": "Degraded (capacity reduced)",
        "layer_bottlenecks": "New bottlenecks (over 90 % of capacity)",
        "layer_crossings": "Border crossings (size: worst-day trucks/day)",
        "layer_plants": "Assembly plants (colour: % of plan lost; size: vehicles/day)",
        "layer_plant_risk": "Links and crossings a plant cannot survive losing (TTR > TTS)",
        "layer_ports": "Seaports (size: worst-day trucks/day)",
        "layer_expected_cost": "Expected extra cost per year",
        "layer_expected_unmet": "Expected unmet truck-days per year",
        "layer_crossings_cost": "Border crossings (expected extra cost per year)",
        "layer_top": "Top {top} links by impact",
        "layer_facility_impact": "Crossings and seaports (size: impact)",
        "layer_cuts": "Min cuts",
        "layer_other": "Other links whose closure costs",
        "layer_abroad": "Outside Mexico (stylised, not ranked)",
        "layer_shared": "Links shared by several candidates ({n})",
        "layer_shared_critical": "Shared critical links ({n})",
        "layer_sites": "Buyer and candidates",
        "layer_counted": "Counted links (colour: modelled minus counted trucks/day)",
        "layer_plazas": "Toll plazas (colour: worst GEH of their movements)",
        "role_buyer": "buyer",
        "role_candidate": "candidate",
        "cut_links": "links",
        "cut_capacity": "capacity",
        "geh_good": "GEH under 5",
        "geh_fair": "GEH 5 to 10",
        "geh_poor": "GEH 10 or more",
        "geh_none": "not matched to a link",
        "usd_year": "USD/year",
        "usd_day": "USD/day",
        "truck_days_year": "truck-days/year",
        "criticality_report": "Criticality: what closing each link, crossing and port costs",
        "criticality_note": "Impact: extra generalised cost plus cargo delay per day of closure "
                            "(USD), for the trips whose paths use the element; LP: the "
                            "capacitated rerouting re-solved for the top elements.",
        "crit_links": "Links by impact",
        "crit_facilities": "Border crossings and seaports by impact",
        "crit_nodes": "Nodes by impact",
        "crit_corridors": "Most fragile corridors",
        "crit_cuts": "Min cuts",
        "sourcing_report": "Dual sourcing: {name}",
        "sourcing_note": "{draws:,} Monte Carlo draws of {days} days (seed {seed}); buyer: "
                         "{buyer}.",
        "recommended": "Recommended split at risk aversion {aversion:g}: {split}.",
        "src_candidates": "Candidates as sole source",
        "src_pairs": "Pairs, lowest joint failure first",
        "src_frontier": "Efficient frontier",
        "src_stress": "Named scenarios: days each candidate is cut",
        "kind_city": "city",
        "kind_junction": "junction",
        "kind_plant": "plant",
        "fig_criticality": "Link criticality",
        "fig_routes": "Candidate routes and shared links",
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
        "plants_affected": "plantas armadoras con suministro de partes cortado o retrasado",
        "plants_losing": "plantas armadoras produciendo bajo el plan",
        "vehicles_lost": "vehículos no fabricados",
        "plant_days_below": "días-planta bajo el plan",
        "lost_output": "valor de los vehículos no fabricados (USD)",
        "vehicles_delayed": "vehículos terminados retrasados (a EE. UU.)",
        "plants": "Plantas armadoras: producción en riesgo (los inventarios de partes son "
                  "supuestos)",
        "plant_risk": "Plantas en riesgo: tiempo de supervivencia frente a tiempo de "
                      "recuperación",
        "disruptions": "Interrupciones",
        "diverted": "Tramos que reciben los camiones desviados (peor día)",
        "bottlenecks": "Cuellos de botella en el peor día (más de 90 % de capacidad, nuevos "
        "primero)",
        "waits": "Esperas en cruces y accesos a puertos (minutos por camión)",
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
        "map_run": "Mapa interactivo: el peor día",
        "map_mc": "Mapa interactivo: costo esperado por año simulado",
        "map_criticality": "Mapa interactivo: tramos ordenados por impacto",
        "map_sourcing": "Mapa interactivo: rutas de los candidatos",
        "map_calibration": "Mapa interactivo: camiones modelados frente a aforados",
        "cal_title": "Camiones modelados frente a aforados",
        "cal_fit": "Ajuste por conjunto",
        "cal_by_class": "{set}: por tipo de vía",
        "cal_by_state": "{set}: por estado (clave INEGI)",
        "cal_crossings": "Cruces fronterizos: camiones/día hacia EUA (BTS 2024) frente al modelo",
        "cal_ports": "Puertos: cajas movidas por camión al día (entrada y salida) frente al modelo",
        "cal_scatter": "Camiones/día modelados frente a aforados",
        "cal_note_geh": "GEH = sqrt(2 (M - C)^2 / (M + C)) sobre flujos de la hora de "
                        "diseño (diarios x el factor K del segmento); la meta habitual es "
                        "GEH < {target} en el 85 % de los sitios.",
        "cal_note_lp": "Los flujos modelados son la base del PL de reasignación sobre la red y la "
                       "demanda dadas.",
        "cal_note_bts": "BTS cuenta cada camión hacia EUA (cargado o vacío); los camiones "
                        "del modelo hacia EUA son sus filas us_export.",
        "cal_note_counts": "Aforos: SICT / Instituto Mexicano del Transporte, Datos Viales 2025 "
                           "(TDPA 2024), vía la compilación CC BY 4.0 iChocko/Datos-Viales-SICT; "
                           "US BTS Border Crossing Entry Data.",
        "set_estimation": "aforos de segmento SICT U1 usados en la estimación",
        "set_holdout": "aforos de segmento SICT U1 reservados (20 % con semilla)",
        "set_plaza": "movimientos en plazas de cobro SICT U2 (nunca usados)",
        "set_crossing": "camiones hacia EUA en los cruces fronterizos (BTS)",
        "set_port": "cajas por camión al día en los puertos (desde TEU, ports.csv)",
        "map_hint": "Active y desactive capas en el panel; pase el cursor o haga clic sobre una "
                    "línea o un punto para ver sus valores.",
        "layer_states": "Estados",
        "layer_network": "Red carretera",
        "layer_baseline": "Flujo base",
        "layer_change": "Cambio de flujo en el peor día",
        "layer_closed": "Cerrados",
        "layer_degraded": "Con capacidad reducida",
        "layer_bottlenecks": "Cuellos de botella nuevos (más de 90 % de capacidad)",
        "layer_crossings": "Cruces fronterizos (tamaño: camiones/día en el peor día)",
        "layer_plants": "Plantas armadoras (color: % del plan perdido; tamaño: vehículos/día)",
        "layer_plant_risk": "Tramos y cruces cuya pérdida una planta no resiste (TTR > TTS)",
        "layer_ports": "Puertos marítimos (tamaño: camiones/día en el peor día)",
        "layer_expected_cost": "Costo adicional esperado por año",
        "layer_expected_unmet": "Camiones-día sin ruta esperados por año",
        "layer_crossings_cost": "Cruces fronterizos (costo adicional esperado por año)",
        "layer_top": "Los {top} tramos de mayor impacto",
        "layer_facility_impact": "Cruces y puertos marítimos (tamaño: impacto)",
        "layer_cuts": "Cortes mínimos",
        "layer_other": "Otros tramos cuyo cierre tiene costo",
        "layer_abroad": "Fuera de México (estilizado, sin rango)",
        "layer_shared": "Tramos compartidos por varios candidatos ({n})",
        "layer_shared_critical": "Tramos críticos compartidos ({n})",
        "layer_sites": "Comprador y candidatos",
        "layer_counted": "Tramos aforados (color: camiones/día modelados menos aforados)",
        "layer_plazas": "Plazas de cobro (color: peor GEH de sus movimientos)",
        "role_buyer": "comprador",
        "role_candidate": "candidato",
        "cut_links": "tramos",
        "cut_capacity": "capacidad",
        "geh_good": "GEH menor que 5",
        "geh_fair": "GEH de 5 a 10",
        "geh_poor": "GEH de 10 o más",
        "geh_none": "sin tramo asignado",
        "usd_year": "USD/año",
        "usd_day": "USD/día",
        "truck_days_year": "camiones-día/año",
        "criticality_report": "Criticidad: lo que cuesta cerrar cada tramo, cruce y puerto",
        "criticality_note": "Impacto: costo generalizado adicional más retraso de carga por día "
                            "de cierre (USD), para los viajes cuyas rutas usan el elemento; PL: "
                            "la reasignación con capacidades resuelta de nuevo para los "
                            "elementos principales.",
        "crit_links": "Tramos por impacto",
        "crit_facilities": "Cruces fronterizos y puertos marítimos por impacto",
        "crit_nodes": "Nodos por impacto",
        "crit_corridors": "Corredores más frágiles",
        "crit_cuts": "Cortes mínimos",
        "sourcing_report": "Abastecimiento dual: {name}",
        "sourcing_note": "{draws:,} sorteos de Monte Carlo de {days} días (semilla {seed}); "
                         "comprador: {buyer}.",
        "recommended": "Reparto recomendado con aversión al riesgo {aversion:g}: {split}.",
        "src_candidates": "Candidatos como proveedor único",
        "src_pairs": "Pares, de menor a mayor falla conjunta",
        "src_frontier": "Frontera eficiente",
        "src_stress": "Escenarios nombrados: días con corte por candidato",
        "kind_city": "ciudad",
        "kind_junction": "entronque",
        "kind_plant": "planta",
        "fig_criticality": "Criticidad de tramos",
        "fig_routes": "Rutas de los candidatos y tramos compartidos",
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
    "bottleneck_price_usd": ("shadow price USD/truck", "precio sombra USD/camión"),
    "extra_delay_min": ("extra delay min/truck", "demora adicional min/camión"),
    "baseline_delay_min": ("baseline delay min/truck", "demora base min/camión"),
    "disrupted_delay_min": ("worst-day delay min/truck", "demora peor día min/camión"),
    "published_wait_min": ("published wait min", "espera publicada min"),
    "baseline_wait_min": ("baseline wait min", "espera base min"),
    "worst_wait_min": ("worst-day wait min", "espera peor día min"),
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
    # map popups of a run
    "worst_each_way": ("worst-day trucks/day each way", "camiones/día peor día por sentido"),
    "disrupted_cost_usd": ("worst-day cost USD/truck", "costo USD/camión peor día"),
    # plants
    "plant": ("plant", "planta"),
    "company": ("company", "empresa"),
    "buffer_days": ("parts buffer (days, assumption)", "inventario de partes (días, supuesto)"),
    "plan_vehicles_day": ("plan vehicles/day", "plan vehículos/día"),
    "inbound_trucks_day": ("parts trucks/day", "camiones de partes/día"),
    "max_unmet_inbound_share": ("most parts cut (share)", "máximo de partes cortadas (proporción)"),
    "max_extra_inbound_hours": ("most extra parts transit (h)",
                                "máximo de tránsito adicional de partes (h)"),
    "vehicles_lost": ("vehicles not built", "vehículos no fabricados"),
    "lost_pct_of_plan": ("% of plan lost", "% del plan perdido"),
    "days_below_plan": ("days below plan", "días bajo el plan"),
    "buffer_recovered_day": ("buffer full again (day)", "inventario repuesto (día)"),
    "lost_output_usd": ("lost output USD", "producción perdida USD"),
    "finished_vehicles_delayed": ("finished vehicles delayed", "vehículos terminados retrasados"),
    "element": ("element", "elemento"),
    "element_name": ("element", "elemento"),
    "unmet_share": ("parts cut (share)", "partes cortadas (proporción)"),
    "extra_hours": ("extra parts transit (h)", "tránsito adicional de partes (h)"),
    "tts_days": ("time-to-survive TTS (days)", "tiempo de supervivencia TTS (días)"),
    "ttr_days": ("time-to-recover TTR (days)", "tiempo de recuperación TTR (días)"),
    "at_risk": ("at risk (TTR > TTS)", "en riesgo (TTR > TTS)"),
    "vehicles_at_risk": ("vehicles at risk", "vehículos en riesgo"),
    "tts_gain_days": ("TTS gain (days)", "ganancia de TTS (días)"),
    "tts_rank": ("rank by TTS gain", "rango por ganancia de TTS"),
    # criticality
    "rank": ("rank", "rango"),
    "impact_usd_day": ("impact USD/day", "impacto USD/día"),
    "extra_cost_usd_day": ("extra cost USD/day", "costo adicional USD/día"),
    "delay_cost_usd_day": ("cargo delay USD/day", "retraso de carga USD/día"),
    "affected_trucks_day": ("affected trucks/day", "camiones/día afectados"),
    "affected_od_pairs": ("affected OD pairs", "pares origen-destino afectados"),
    "detour_ratio_mean": ("mean detour ratio", "razón media de desvío"),
    "captive_trucks_day": ("captive trucks/day", "camiones/día cautivos"),
    "cap_extra_cost_usd_day": ("LP extra cost USD/day", "costo adicional PL USD/día"),
    "cap_unmet_trucks_day": ("LP unmet trucks/day", "camiones/día sin ruta PL"),
    "observed_trucks_day": ("observed trucks/day", "camiones/día observados"),
    "corridor": ("corridor", "corredor"),
    "links": ("links", "tramos"),
    "length_km": ("km", "km"),
    "captive_share": ("captive share", "proporción cautiva"),
    "fragility_index": ("fragility index", "índice de fragilidad"),
    "worst_link_name": ("worst link", "tramo más crítico"),
    "worst_link_impact_usd_day": ("worst link impact USD/day",
                                  "impacto del tramo más crítico USD/día"),
    "region_pair": ("regions", "regiones"),
    "cut": ("cut", "corte"),
    "cut_value": ("cut value", "valor del corte"),
    "capacity_trucks_day": ("capacity trucks/day", "capacidad camiones/día"),
    # sourcing
    "candidate": ("candidate", "candidato"),
    "landed_usd": ("landed USD/load", "USD/carga puesta en planta"),
    "route_km": ("route km", "km de ruta"),
    "flood_closure_prob_year": ("flood closure %/year", "% anual de cierre por inundación"),
    "p_cut": ("% of draws cut", "% de sorteos con corte"),
    "mean_ttr_days": ("mean days to recover", "días medios de recuperación"),
    "p_shortfall": ("% of draws short", "% de sorteos con faltante"),
    "expected_shortfall_usd": ("expected shortfall USD", "faltante esperado USD"),
    "cvar_shortfall_usd": ("CVaR of shortfall USD", "CVaR del faltante USD"),
    "a": ("candidate A", "candidato A"),
    "b": ("candidate B", "candidato B"),
    "p_joint_failure": ("% joint failure", "% de falla conjunta"),
    "p_both_short": ("% both short", "% con ambos en faltante"),
    "shared_km": ("shared km", "km compartidos"),
    "shared_crossings_bridges": ("shared crossings and bridges", "cruces y puentes compartidos"),
    "n_shared_critical": ("shared critical links", "tramos críticos compartidos"),
    "cvar_50_50_usd": ("CVaR 50/50 USD", "CVaR 50/50 USD"),
    "risk_aversion": ("risk aversion", "aversión al riesgo"),
    "split": ("split", "reparto"),
    "expected_landed_cost_usd": ("expected landed cost USD", "costo esperado puesto en planta USD"),
    "expected_shortfall_cost_usd": ("expected shortfall cost USD",
                                    "costo esperado del faltante USD"),
    "share": ("recommended share", "proporción recomendada"),
    "shared_with": ("shared with", "compartido con"),
    "cost_usd": ("cost USD/truck", "costo USD/camión"),
    "scenario": ("scenario", "escenario"),
    "cut_days": ("days cut", "días con corte"),
    "shortfall_days": ("days short", "días con faltante"),
    "longest_outage_days": ("longest outage days", "interrupción más larga (días)"),
    "recommended_share": ("recommended share", "proporción recomendada"),
    "shortfall_cost_usd_at_share": ("shortfall cost USD at the split",
                                    "costo del faltante USD con el reparto"),
    # calibration
    "site_id": ("count site", "sitio de aforo"),
    "counted_trucks_day": ("counted trucks/day", "camiones/día aforados"),
    "sites": ("sites", "sitios"),
    "r2": ("R²", "R²"),
    "geh_under_5_share": ("share with GEH < 5", "proporción con GEH < 5"),
    "rmse_pct": ("RMSE %", "RMSE %"),
    "modelled_sum": ("modelled trucks/day", "camiones/día modelados"),
    "counted_sum": ("counted trucks/day (total)", "camiones/día aforados (total)"),
    "bts_trucks_day": ("BTS trucks/day", "camiones/día BTS"),
    "modelled_northbound": ("modelled northbound", "modelados hacia EUA"),
    "modelled_southbound": ("modelled southbound", "modelados hacia México"),
    "truck_boxes_day": ("truck boxes/day", "cajas por camión al día"),
    "modelled_trucks_day": ("modelled trucks/day", "camiones/día modelados"),
    "port": ("port", "puerto"),
    "state": ("state", "estado"),
    "site_modelled_trucks_day": ("modelled trucks/day", "camiones/día modelados"),
    "difference_trucks_day": ("modelled minus counted trucks/day",
                              "camiones/día modelados menos aforados"),
    "geh": ("GEH", "GEH"),
    "movements": ("movements", "movimientos"),
    "set": ("set of sites", "conjunto de sitios"),
    "fit": ("fit", "ajuste"),
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
    """A value as a reader sees it in a table of ``column``: KPI names, kinds, classes, yes/no.

    Kinds, min-cut types and sourcing roles are looked up as ``<column>_<value>``.

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
    if column in ("kind", "cut", "role") and isinstance(value, str):
        return t.get(f"{column}_{value}", value)
    if column == "road_class" and isinstance(value, str):
        return class_label(value, lang)
    return value
