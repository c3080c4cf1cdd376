<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor disrupted links: closed red, degraded orange dashed -->
<qgis version="3.22.16" styleCategories="Symbology">
  <renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" forceraster="0" enableorderby="0">
    <categories>
      <category render="true" symbol="0" value="closed" label="Closed"/>
      <category render="true" symbol="1" value="degraded" label="Degraded (capacity, speed or cost)"/>
    </categories>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="227,26,28,255"/><prop k="line_width" v="1.6"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="255,127,0,255"/><prop k="line_width" v="1.2"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="dash"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
    </symbols>
  </renderer-v2>
</qgis>
