"""The judged query set of bench/search.py: records written for it, and queries with the records
a person asking them wants.

The records searched are the demo records (demo/, ids 0000xxxx and paradisec.org.au:…) and the
synthetic records below (ids 9xxxxxxx), written to stand for what the catalogue will hold:
Traditional Chinese titles with Taiwan's terms, English-only records harvested from abroad,
romanised Taiwanese (POJ and Tâi-lô, with and without tone marks), Hakka, Formosan languages,
agency names, codes. Judgments are binary and made by hand: a record is relevant when a person
typing the query would want to see it, not when it merely contains the string (``語言`` alone
is in nearly every record; a query ``台語`` wants the Taiwanese records, which say 臺灣閩南語 or
Tâi-gí as often as 台語).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Synthetic:
    """A record of the judged set: titles, descriptions, keywords and language codes."""

    local_id: str
    titles: tuple[str, ...]
    descriptions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


SYNTHETIC = (
    Synthetic("90000001", ("臺灣台語羅馬字拼音方案教學語料", "Tâi-lô romanisation teaching corpus"),
              ("教育部臺灣閩南語羅馬字拼音方案（臺羅）教學用例句與錄音，含聲調標記。",),
              ("臺羅", "拼音", "台語", "Tâi-lô"), ("nan",)),
    Synthetic("90000002", ("Pe̍h-ōe-jī Bible texts", "白話字聖經文本"),
              ("Taiwanese Hokkien Bible in Pe̍h-ōe-jī (POJ) romanisation, 1916 and 1933 editions.",),
              ("POJ", "白話字", "Taiwanese"), ("nan",)),
    Synthetic("90000003", ("台語新聞逐字稿", "Taigi news transcripts"),
              ("Tâi-gí sin-bûn: 每日台語新聞之逐字稿，以漢羅混寫書寫。",),
              ("台語", "新聞", "逐字稿"), ("nan",)),
    Synthetic("90000004", ("客家話四縣腔語音資料", "Sixian Hakka speech data"),
              ("苗栗地區四縣腔客家話發音人朗讀語料，附國際音標轉寫。",),
              ("客家話", "四縣腔", "語音"), ("hak",)),
    Synthetic("90000005", ("海陸腔客語詞彙表",),
              ("新竹地區海陸腔客語常用詞彙與例句。",), ("客語", "海陸腔", "詞彙"), ("hak",)),
    Synthetic("90000006", ("排灣族口述歷史錄音", "Paiwan oral history recordings"),
              ("屏東縣排灣族耆老口述部落歷史與傳統祭儀之錄音與族語轉寫。",),
              ("排灣語", "口述歷史", "祭儀"), ("pwn",)),
    Synthetic("90000007", ("泰雅語聖經翻譯平行語料",),
              ("泰雅語與華語對照之聖經經文平行語料，可供機器翻譯研究。",),
              ("泰雅語", "平行語料", "機器翻譯"), ("tay", "cmn")),
    Synthetic("90000008", ("Seediq word list", "賽德克語詞表"),
              ("A word list of Seediq (Truku, Tkdaya, Toda dialects) collected in Nantou and Hualien.",),
              ("Seediq", "Truku", "word list"), ("trv",)),
    Synthetic("90000009", ("立法院公報逐字紀錄", "Legislative Yuan Gazette verbatim records"),
              ("立法院院會及委員會議事之逐字紀錄，自第一屆起。",),
              ("立法院", "公報", "議事錄"), ("cmn",)),
    Synthetic("90000010", ("司法院裁判書全文", "Judicial Yuan court judgments"),
              ("各級法院裁判書全文，已去識別化，可供法律語言模型訓練。",),
              ("裁判書", "法律", "判決"), ("cmn",)),
    Synthetic("90000011", ("中央氣象署天氣預報文稿",),
              ("每日天氣預報與颱風警報之新聞稿文字。",), ("氣象", "天氣預報", "颱風"), ("cmn",)),
    Synthetic("90000012", ("衛生福利部衛教手冊", "Ministry of Health and Welfare health education leaflets"),
              ("疾病預防、用藥安全與長期照顧之衛教文字。",), ("衛教", "長期照顧", "健康"), ("cmn",)),
    Synthetic("90000013", ("國語辭典簡編本",), ("教育部國語辭典簡編本之詞條與釋義。",),
              ("國語辭典", "詞條", "華語"), ("cmn",)),
    Synthetic("90000014", ("重編國語辭典修訂本", "Revised Mandarin Chinese Dictionary"),
              ("教育部重編國語辭典修訂本全文，收錄十六萬餘詞條。",), ("國語辭典", "辭典"), ("cmn",)),
    Synthetic("90000015", ("華語文能力測驗試題語料", "TOCFL test item corpus"),
              ("華語文能力測驗（TOCFL）歷年公開試題與作答語料。",),
              ("華語文", "TOCFL", "測驗"), ("cmn",)),
    Synthetic("90000016", ("華語學習者作文語料庫", "Chinese learner essay corpus"),
              ("外籍學習者華語作文與偏誤標記。",), ("學習者語料", "偏誤分析", "華語"), ("cmn",)),
    Synthetic("90000017", ("Taiwan Sign Language corpus of narratives",),
              ("Video recordings of deaf signers telling stories in Taiwan Sign Language, glossed.",),
              ("sign language", "narratives"), ("tss",)),
    Synthetic("90000018", ("馬祖閩東語口語語料",), ("南竿、北竿發音人之閩東語對話錄音與轉寫。",),
              ("閩東語", "馬祖", "口語"), ("cdo",)),
    Synthetic("90000019", ("臺灣地名資料庫", "Taiwan place names database"),
              ("臺灣各地地名之由來、舊名與原住民族語地名。",), ("地名", "舊地名"), ("cmn",)),
    Synthetic("90000020", ("國史館總統府檔案", "Academia Historica presidential archives"),
              ("總統府公文檔案數位化全文。",), ("檔案", "總統府", "國史館"), ("cmn",)),
    Synthetic("90000021", ("農業部農情報告", "Ministry of Agriculture crop reports"),
              ("各縣市作物種植面積與產量之月報。",), ("農業", "農情", "作物"), ("cmn",)),
    Synthetic("90000022", ("Speech recognition test set for Taiwanese Mandarin",),
              ("Read speech by 100 speakers of Taiwan Mandarin with transcripts, for ASR evaluation.",),
              ("speech recognition", "ASR", "Taiwan Mandarin"), ("cmn",)),
    Synthetic("90000023", ("台灣華語語音辨識測試集",), ("供自動語音辨識評測之華語朗讀語音與轉寫。",),
              ("語音辨識", "ASR", "華語"), ("cmn",)),
    Synthetic("90000024", ("机器翻译评测数据集（简体）", "MT evaluation set (Simplified Chinese)"),
              ("以简体中文撰写的机器翻译评测句对。",), ("机器翻译", "评测"), ("cmn",)),
    Synthetic("90000025", ("布農語八部合音錄音", "Bunun pasibutbut recordings"),
              ("布農族祈禱小米豐收歌之錄音與族語歌詞。",), ("布農語", "八部合音", "音樂"), ("bnn",)),
    Synthetic("90000026", ("阿美語新聞", "Amis news"),
              ("原住民族電視台阿美語新聞稿，族語與華語對照。",), ("阿美語", "新聞", "族語"), ("ami", "cmn")),
    Synthetic("90000027", ("文化部臺灣大百科全書", "Encyclopedia of Taiwan"),
              ("文化部臺灣大百科全書詞條全文。",), ("百科全書", "臺灣文化"), ("cmn",)),
    Synthetic("90000028", ("Kavalan texts from Hualien", "噶瑪蘭語文本"),
              ("Kavalan narratives recorded in Hualien, with interlinear glosses.",),
              ("Kavalan", "噶瑪蘭語", "interlinear"), ("ckv",)),
    Synthetic("90000029", ("數位發展部開放資料集說明文件", "moda open data documentation"),
              ("數位發展部發布之開放資料集欄位說明與使用範例。",), ("開放資料", "數位發展部"), ("cmn",)),
    Synthetic("90000030", ("行政院公報", "Executive Yuan Gazette"),
              ("行政院及所屬機關發布之法規命令與公告。",), ("公報", "法規", "公告"), ("cmn",)),
)


#: Query → the records a person asking it wants (binary relevance).
QUERIES: dict[str, set[str]] = {
    # Chinese words and Taiwan's terms
    "語料庫": {"00000006", "00000008", "00000012", "00000017", "90000016"},
    "平行語料": {"00000007", "90000007"},
    "口語語料": {"00000008", "00000012", "90000018", "00000018"},
    "辭典": {"00000009", "00000016", "00000020", "90000013", "90000014"},
    "國語辭典": {"90000013", "90000014"},
    "手語": {"00000020", "00000021", "90000017"},
    "客語": {"00000011", "00000012", "00000025", "90000004", "90000005"},
    "客家話": {"90000004", "00000011", "00000012", "90000005"},
    "閩東語": {"00000013", "00000015", "90000018"},
    "台語": {"00000009", "00000010", "90000001", "90000003", "90000002"},
    "臺灣閩南語": {"00000009", "00000010", "90000001", "90000002", "90000003", "00000025"},
    "閩南語": {"00000009", "00000025", "90000001", "90000002", "90000003", "00000010"},
    "原住民族語": {"00000016", "00000017", "00000019", "90000026", "90000006"},
    "南島語": {"00000017"},
    "阿美語": {"00000019", "90000026", "00000016", "00000017"},
    "排灣語": {"90000006"},
    "泰雅語": {"90000007"},
    "布農": {"90000025"},
    "達悟語": {"00000018"},
    "語音辨識": {"90000023", "90000022"},
    "機器翻譯": {"90000007", "90000024"},
    "外交": {"00000001"},
    "新聞稿": {"00000003", "90000011"},
    "立法院": {"90000009"},
    "裁判書": {"90000010"},
    "衛教": {"90000012"},
    "公報": {"90000009", "90000030"},
    "能源": {"00000022"},
    "防災": {"00000023"},
    "觀光導覽": {"00000024"},
    "文學獎": {"00000025"},
    "地名": {"90000019"},
    "檔案": {"90000020", "00009205"},
    "華語文能力測驗": {"90000015"},
    "學習者作文": {"90000016"},
    "天氣預報": {"90000011"},
    "百科全書": {"90000027"},
    "開放資料": {"90000029"},
    "數位內容產業": {"00000002"},
    "文化政策": {"00000004"},
    # Simplified queries for Traditional records
    "语料库": {"00000006", "00000008", "00000012", "00000017", "90000016"},
    "台湾闽南语": {"00000009", "00000010", "90000001", "90000002", "90000003", "00000025"},
    "手语词典": {"00000020"},
    "机器翻译": {"90000007", "90000024"},
    "客家话": {"90000004", "00000011", "00000012", "90000005"},
    # English
    "corpus": {"00000006", "00000007", "00000008", "00000012", "00000017", "90000017"},
    "Hakka": {"00000011", "00000012", "00000025", "90000004"},
    "sign language": {"00000020", "00000021", "90000017"},
    "dictionary": {"00000009", "00000016", "00000020", "90000014"},
    "speech recognition": {"90000022", "90000023"},
    "Formosan languages": {"00000017"},
    "parallel corpus": {"00000007", "90000007"},
    "Bible": {"90000002", "90000007"},
    "field notes": {"paradisec.org.au:AC2"},
    "Taroko": {"paradisec.org.au:AIT1", "90000008"},
    "court judgments": {"90000010"},
    "gazette": {"90000009", "90000030"},
    # romanised Taiwanese
    "Tâi-gí": {"00000010", "90000003", "90000001"},
    "tai gi": {"00000010", "90000003", "90000001"},
    "taigi": {"00000010", "90000003"},
    "Pe̍h-ōe-jī": {"90000002"},
    "peh oe ji": {"90000002"},
    "Tâi-lô": {"90000001"},
    # codes and names
    "TOCFL": {"90000015"},
    "ASR": {"90000022", "90000023"},
    "Seediq": {"90000008"},
    "Kavalan": {"90000028"},
    "噶瑪蘭": {"90000028", "00000016", "00000017"},
    "數位發展部": {"90000029"},
    "國家教育研究院": {"00000007"},
    "中央研究院": {"00000006", "00000008"},
    # mixed
    "臺灣 Sign Language": {"00000020", "90000017"},
    "Hakka 詞彙": {"00000011", "90000005"},
    "阿美語 news": {"90000026"},
}
