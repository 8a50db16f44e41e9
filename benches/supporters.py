"""Prints N synthetic supporters as CSV: realistic names in several scripts, five countries, each
with an address its country's format accepts.

usage: supporters.py N [mixed|LANG]  (LANG: one language for all, names in its script: ru, ar)
"""
import sys
first = ["Anna", "Jürgen", "Олег", "Zoé", "José", "Αλέξανδρος", "Siobhán", "Łukasz", "Ngọc", "Ólafur"]
last = ["Schmidt", "Иванова", "Müller", "Núñez", "O'Brien", "Kowalski", "Papadopoulos", "Dubois"]
countries = ["DE", "FR", "GB", "ES", "US"]
langs = ["de", "fr", "en", "es", "ru"]
lang = sys.argv[2] if len(sys.argv) > 2 else "mixed"
if lang == "ru":
    first = ["Анна", "Олег", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Иван", "Наталья", "Юрий"]
    last = ["Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов"]
elif lang == "ar":
    first = ["أحمد", "فاطمة", "محمد", "ليلى", "يوسف", "مريم", "عمر", "سلمى", "خالد", "نور"]
    last = ["الحسيني", "بن علي", "المصري", "حداد", "الخوري", "منصور", "العلي", "سعيد"]
if lang != "mixed":
    langs = [lang] * 5
# A postcode, city and region each country's address format accepts (Spain and the US need the
# province or state).
places = {
    "DE": ("10115", "Berlin", ""),
    "FR": ("75001", "Paris", ""),
    "GB": ("SW1A 1AA", "London", ""),
    "ES": ("28001", "Madrid", "M"),
    "US": ("10001", "New York", "NY"),
}
print("name,address,postcode,city,region,country,email,lang")
for i in range(int(sys.argv[1])):
    c = i % 5
    postcode, city, region = places[countries[c]]
    print(f"{first[i % 10]} {last[i % 8]} {i},Street {i},{postcode},{city},{region},{countries[c]},p{i}@example.org,{langs[c]}")
