<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor sourcing routes: links shared with another candidate black dashed, the others blue; critical links thick -->
<qgis version="3.22.16" styleCategories="Symbology">
  <renderer-v2 type="categorizedSymbol" attr="CASE WHEN &quot;shared&quot; THEN 'shared' ELSE 'own' END" symbollevels="0" forceraster="0" enableorderby="0">
    <categories>
      <category render="true" symbol="0" value="shared" label="shared with another candidate"/>
      <category render="true" symbol="1" value="own" label="own route"/>
    </categories>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="0,0,0,255"/><prop k="line_width" v="1.0"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="dash"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="36,113,163,255"/><prop k="line_width" v="0.8"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
    </symbols>
  </renderer-v2>
</qgis>
